"""Jobs of the workflow (Celery), run daily by `celery -A config beat` (config/settings.py)."""
from __future__ import annotations

from celery import shared_task

from workflow import reminders
from workflow.trail.checkpoints import checkpoint


@shared_task(name="workflow.tasks.send_reminders")
def send_reminders() -> dict:
    """催报、催办、举办与总结到期提醒: every reminder due today, each once."""
    return reminders.send_reminders()


@shared_task(name="workflow.tasks.audit_checkpoint")
def audit_checkpoint() -> dict:
    """A checkpoint over every audit chain head (DESIGN §6)."""
    made = checkpoint()
    return {"checkpoint": made.pk, "events": made.events}

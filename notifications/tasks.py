"""Jobs of the notifications app (Celery): delivering the outbox."""
from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready

from notifications import delivery


@shared_task(name="notifications.tasks.deliver_due")
def deliver_due() -> dict:
    """Send every e-mail and SMS that is due. Enqueued after each action's commit and every minute
    by the scheduler (retries whose backoff has passed, anything a lost job message left)."""
    done = delivery.deliver_due()
    return {"sent": done.sent, "failed": done.failed}


@worker_ready.connect
def _deliver_what_waits(sender=None, **kwargs) -> None:
    """A worker that starts (or restarts after being killed) first sends what is waiting."""
    deliver_due.delay()

"""Reminders (催报, 催办, holding and summary due): the daily job and the office's button.

The rules are the programme's data (`Programme.declaration_reminder_days`, …) applied by the
plain functions of `policies.reminders`. Each reminder has a cause that names it exactly (which
unit or task, which threshold, which deadline); `send_once` writes the cause's ledger row
(`notifications.Reminder`, unique), the messages and one audit event in one transaction, so the
same reminder is never sent twice, whatever the retries or a second scheduler: the second insert
of a cause waits for the first transaction, then finds the row and sends nothing.

A reminder about a declaration's task is an event of that declaration's chain; a 催报 to a unit
that has not submitted is an event of the global chain, with the unit.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind, Reminder
from notifications.outbox import Note, write
from policies import holding
from policies import reminders as rules
from policies.models import Programme
from policies.rules import NON_FIELD
from policies.workdays import month_end, working_days_between
from units.models import Unit
from units.roles import REVIEW
from workflow import audit
from workflow.errors import RuleViolation
from workflow.models import DeadlineExtension, Declaration, State, TaskRow
from workflow.notify import OPEN, STEP_LABELS, declaration_url, office_people, task_audiences, unit_people
from workflow.selectors import units_expected_to_declare

# Tasks reminded for waiting: the ones whose due date counts from when they opened. Holding and
# the summary have reminders before their own due dates; the evaluation waits for the year's end.
WAITING_STEPS = ("seal", "revise", "review", "schedule")


@dataclass(frozen=True)
class Due:
    """One reminder the rules call for today."""

    cause: str
    unit: Unit
    declaration: Declaration | None
    notes: list[Note]
    changed: dict


def send_once(due: Due, *, programme: Programme, by=None, action: str = "remind") -> bool:
    """Send `due` unless its cause was already sent: ledger row, messages and audit event in one
    transaction. False when it had been sent."""
    with transaction.atomic():
        locked = None
        if due.declaration is not None:  # its chain's head moves: hold its row, as every service does
            locked = Declaration.objects.select_for_update(of=("self",)).select_related("programme", "unit").get(
                pk=due.declaration.pk)
        try:
            with transaction.atomic():
                Reminder.objects.create(cause=due.cause)
        except IntegrityError:
            return False
        write(due.notes)
        audit.record(
            action=action, actor=by, declaration=locked, unit=due.unit, programme=programme,
            from_state=locked.state if locked else "", to_state=locked.state if locked else "",
            changed={**due.changed, "cause": due.cause, "recipients": len({n.recipient_id for n in due.notes})},
        )
        if locked is not None:
            locked.save(update_fields=list(audit.AUDIT_HEAD_FIELDS))
    return True


def send_reminders(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily job: every reminder due today in every programme open to declarations, each
    once. Returns how many of each kind were sent."""
    today = today or timezone.localdate()
    sent: Counter[str] = Counter()
    for programme in Programme.objects.filter(accepts_declarations=True).order_by("pk"):
        for kind, found in (
            ("declare", _declaration_deadline(programme, today)),
            ("task", _waiting_tasks(programme, today)),
            ("hold", _holding_due(programme, today)),
            ("summary", _summary_due(programme, today)),
        ):
            already = set(Reminder.objects.filter(cause__in=[d.cause for d in found]).values_list("cause", flat=True))
            sent[kind] += sum(send_once(due, programme=programme) for due in found if due.cause not in already)
    return dict(sent)


def _notes(people, *, cause: str, title: str, body: str, url: str, declaration_id: int | None, required: bool) -> list[Note]:
    return [Note(person, Kind.REMINDER, cause, title, body, url=url, declaration_id=declaration_id, required=required)
            for person in sorted(people)]


# ------------------------------------------------------------------ 催报: the declaration deadline

def _declare_note(programme: Programme, unit, *, deadline: dt.date, today: dt.date, draft_id: int | None,
                  prefix: str = "催报") -> tuple[str, str, str]:
    days = (deadline - today).days
    left = "今天截止" if days == 0 else f"还有{days}天" if days > 0 else f"已逾期{-days}天"
    title = f"{prefix}：{programme.name}申报{deadline:%Y-%m-%d}截止（{left}）"
    body = (f"{unit.name}尚未向区政务公开办报送主题日活动申报表。申报截止日期为{deadline:%Y-%m-%d}（含当日），{left}。"
            "请尽快填报，并由单位负责人盖章报送。")
    return title, body, declaration_url(draft_id) if draft_id else reverse("workflow:start")


def _units_to_declare(programme: Programme):
    """Units expected to declare that have not submitted, with their extension and draft."""
    submitted = Declaration.objects.filter(programme=programme, first_submitted_at__isnull=False).exclude(state=State.CANCELLED)
    live = Declaration.objects.filter(programme=programme, unit=OuterRef("pk")).exclude(state=State.CANCELLED)
    return units_expected_to_declare().exclude(pk__in=submitted.values("unit_id")).annotate(
        extended_until=Subquery(DeadlineExtension.objects.filter(programme=programme, unit=OuterRef("pk")).values("until")[:1]),
        draft_id=Subquery(live.values("pk")[:1]),
    ).order_by("pk")


def _declaration_deadline(programme: Programme, today: dt.date) -> list[Due]:
    if not (programme.is_open and programme.declaration_due_date and programme.declaration_reminder_days):
        return []
    units = list(_units_to_declare(programme))
    people = unit_people(u.pk for u in units)
    found = []
    for unit in units:
        deadline = unit.extended_until or programme.declaration_due_date
        threshold = rules.declaration_reminder((deadline - today).days, programme.declaration_reminder_days)
        if threshold is None or not people.get(unit.pk):
            continue
        cause = f"declare:{programme.pk}:{unit.pk}:{deadline:%Y%m%d}:{threshold}"
        title, body, url = _declare_note(programme, unit, deadline=deadline, today=today, draft_id=unit.draft_id)
        found.append(Due(cause, unit, None, _notes(people[unit.pk], cause=cause, title=title, body=body, url=url,
                                                   declaration_id=unit.draft_id, required=programme.reminders_required),
                         {"kind": "declaration_deadline", "deadline": deadline, "days_before": threshold}))
    return found


# ------------------------------------------------------------------ 催办: tasks waiting

def _waiting_tasks(programme: Programme, today: dt.date) -> list[Due]:
    if not (programme.task_reminder_working_days or programme.task_escalation_working_days):
        return []
    rows = [row for row in TaskRow.objects.filter(declaration__programme=programme, status__in=OPEN)
            .select_related("declaration__unit").only("flow_task", "created", "owner", "owner_permission", "unit_id", "due_on",
                                                      "declaration__theme", "declaration__state",
                                                      "declaration__unit__name").order_by("pk")
            if row.flow_task.name in WAITING_STEPS]
    levels = {}
    for row in rows:
        waited = working_days_between(timezone.localdate(row.created), today)
        level = rules.waiting_reminder(waited, remind_after=programme.task_reminder_working_days,
                                       escalate_after=programme.task_escalation_working_days)
        if level:
            levels[row.pk] = (level, waited)
    rows = [row for row in rows if row.pk in levels]
    reviewers = office_people([REVIEW]).get(REVIEW, set()) if rows else set()
    found = []
    for row, (audience, may_act) in zip(rows, task_audiences(rows), strict=True):
        level, waited = levels[row.pk]
        d = row.declaration
        step, theme = STEP_LABELS[row.flow_task.name], d.theme or "（未填主题）"
        cause = f"task-{level}:{row.pk}"
        due = f"，办理期限{row.due_on:%Y-%m-%d}" if row.due_on else ""
        task_url, page_url = reverse("workflow:task", kwargs={"task_pk": row.pk}), declaration_url(d.pk)
        title = f"催办：《{theme}》{step}已等待{waited}个工作日"
        notes = [Note(person, Kind.REMINDER, cause, title, f"{d.unit.name}《{theme}》的“{step}”任务已等待{waited}个工作日{due}。请尽快办理。",
                      url=task_url if person in may_act else page_url, declaration_id=d.pk,
                      required=programme.reminders_required) for person in sorted(audience)]
        unit_task = row.owner_permission and row.owner_permission.startswith("units.")
        if level == "escalate" and unit_task:  # a copy to the office
            notes += _notes(reviewers, cause=cause, title=f"超时抄送：{d.unit.name}《{theme}》{step}已等待{waited}个工作日",
                            body=f"该任务仍未办理，已再次提醒{d.unit.name}{due}。", url=page_url, declaration_id=d.pk,
                            required=programme.reminders_required)
        found.append(Due(cause, d.unit, d, notes, {"kind": f"task_{level}", "step": row.flow_task.name, "task": row.pk,
                                                   "working_days": waited}))
    return found


# ------------------------------------------------------------------ holding and summary due

def _before_due(programme: Programme, today: dt.date, *, state: str, due_of, days_before: int, kind: str, label) -> list[Due]:
    declarations = list(Declaration.objects.filter(programme=programme, state=state).select_related("unit", "programme")
                        .order_by("pk"))
    people = unit_people(d.unit_id for d in declarations)
    found = []
    for d in declarations:
        due = due_of(d)
        level = rules.due_reminder(due, today, days_before=days_before) if due else None
        if level is None or not people.get(d.unit_id):
            continue
        cause = f"{kind}-{level}:{d.pk}:{due:%Y%m%d}"
        title, body = label(d, due, level)
        found.append(Due(cause, d.unit, d, _notes(people[d.unit_id], cause=cause, title=title, body=body,
                                                   url=declaration_url(d.pk), declaration_id=d.pk,
                                                   required=programme.reminders_required),
                         {"kind": f"{kind}_{level}", "due": due}))
    return found


def _holding_due(programme: Programme, today: dt.date) -> list[Due]:
    def label(d, due, level):
        theme = d.theme or "（未填主题）"
        if level == "overdue":
            return (f"举办逾期：《{theme}》安排在{d.scheduled_month}月，尚未登记举办",
                    f"活动计划安排表中您单位的活动安排在{d.scheduled_month}月，至今尚未登记举办情况。请尽快举办并登记，或联系区政务公开办调整排期。")
        return (f"举办提醒：《{theme}》应在{due:%Y-%m-%d}前举办",
                f"活动计划安排表中您单位的活动安排在{d.scheduled_month}月。请按期举办，并登记举办情况（现场照片、宣传报道等）。")

    return _before_due(programme, today, state=State.SCHEDULED, kind="hold", label=label,
                       due_of=lambda d: month_end(programme.year, d.scheduled_month) if d.scheduled_month else None,
                       days_before=programme.holding_reminder_days)


def _summary_due(programme: Programme, today: dt.date) -> list[Due]:
    def label(d, due, level):
        theme = d.theme or "（未填主题）"
        if level == "overdue":
            return (f"总结逾期：《{theme}》的活动总结应于{due:%Y-%m-%d}前提交",
                    "活动总结已超过期限，区政务公开办会看到逾期标记。请尽快提交做法、成效和可复制推广的经验。")
        return (f"总结提醒：《{theme}》的活动总结请于{due:%Y-%m-%d}前提交",
                f"活动已于{d.held_on:%Y-%m-%d}举办。请在{due:%Y-%m-%d}前提交活动总结：做法、成效和可复制推广的经验。")

    return _before_due(programme, today, state=State.HELD, kind="summary", label=label,
                       due_of=lambda d: holding.summary_due(d.held_on, programme.summary_due_days) if d.held_on else None,
                       days_before=programme.summary_reminder_days)


# ------------------------------------------------------------------ by hand (the office's button)

def urge(*, programme: Programme, unit: Unit, declaration: Declaration | None, by, today: dt.date) -> int:
    """催报 (the unit has not submitted) or 催办 (its declaration's open task) by the office, at once;
    once per unit per day. Returns how many people were told. The caller checked the permission."""
    people = unit_people([unit.pk]).get(unit.pk, set()) - {by.pk}
    if not people:
        raise RuleViolation.single(NON_FIELD, f"{unit.name}还没有填报人或负责人，无法催办。请先在名单中为其添加人员。", "no_one_to_urge")
    cause = f"urge:{unit.pk}:{today:%Y%m%d}"
    required = programme.reminders_required
    live = declaration or Declaration.objects.filter(programme=programme, unit=unit).exclude(state=State.CANCELLED).first()
    if live is None or live.first_submitted_at is None:
        deadline = DeadlineExtension.objects.filter(programme=programme, unit=unit).values_list("until", flat=True).first() \
            or programme.declaration_due_date
        if deadline:
            title, body, url = _declare_note(programme, unit, deadline=deadline, today=today,
                                             draft_id=live.pk if live else None, prefix="区政务公开办催报")
        else:
            title, body, url = (f"区政务公开办催报：{programme.name}", f"请{unit.name}尽快填报并报送主题日活动申报表。",
                                declaration_url(live.pk) if live else reverse("workflow:start"))
        due = Due(cause, unit, None, _notes(people, cause=cause, title=title, body=body, url=url,
                                            declaration_id=live.pk if live else None, required=required),
                  {"kind": "urge_declaration"})
    else:
        task = TaskRow.objects.filter(declaration=live, status__in=OPEN, owner_permission__startswith="units.").first()
        if task is None:
            raise RuleViolation.single(NON_FIELD, f"{unit.name}的申报目前没有待单位办理的任务，无需催办。", "nothing_to_urge")
        step, theme = STEP_LABELS[task.flow_task.name], live.theme or "（未填主题）"
        due_text = f"（办理期限{task.due_on:%Y-%m-%d}）" if task.due_on else ""
        due = Due(cause, unit, live, _notes(
            people, cause=cause, title=f"区政务公开办催办：《{theme}》{step}",
            body=f"区政务公开办提醒{unit.name}尽快办理《{theme}》的“{step}”{due_text}。",
            url=declaration_url(live.pk), declaration_id=live.pk, required=required,
        ), {"kind": "urge_task", "step": task.flow_task.name, "task": task.pk})
    if not send_once(due, programme=programme, by=by, action="urge"):
        raise RuleViolation.single(NON_FIELD, f"今天已经催办过{unit.name}。每个单位每天只能催办一次，请明天再试。", "urged_today")
    return len(people)

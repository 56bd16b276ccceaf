"""Every action on a declaration, one function each (DESIGN §4), and each one is the whole action.

In one database transaction a service locks the declaration's process and row, checks that
the actor may see it (404) and may act (403), that the state allows the action and nobody
changed it meanwhile (409), that the programme's rules hold (400); then it fires the
django-fsm transition, saves with `update_fields`, writes one audit event, completes the
declaration's open task for the action's node as the actor's (so the flow routes on the new
state), and hands over to `_follow_up` for whatever else the action causes. What each action
needs and which node it completes is declared once, in `workflow.actions`. Pages, the API,
admin actions, commands and jobs all call these functions.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed

from notifications import outbox
from policies import holding, rules
from policies.models import Programme
from policies.rules import NON_FIELD, Problem
from units.models import Unit
from workflow import audit, handover, locking, notify, process, publication, reminders, schedule_versions
from workflow import evidence as evidence_files
from workflow.actions import ACTIONS, ENDED, WITHDRAWN, Action, Reason
from workflow.errors import NotFound, PermissionRefused, RuleViolation, TransitionConflict
from workflow.models import CONTENT_FIELDS, DeadlineExtension, Declaration, Evidence, ScheduleVersion, State
from workflow.permissions import authorize, can_view

if TYPE_CHECKING:
    from django.contrib.auth.models import User

REQUIRED_LABELS = {
    "theme": "活动主题", "month": "活动时间（月份）", "form": "活动形式", "focus_topic": "重点主题",
    "description": "活动简介", "banner": "会标", "contact_name": "联系人", "contact_phone": "联系电话",
}
MAX_LENGTHS = {"theme": 200, "banner": 200, "contact_name": 50, "contact_phone": 50, "description": 2000}
# The 申报表's free text (the form and the focus topic are codes from the programme's lists).
TEXT_FIELDS = ("theme", "description", "banner", "contact_name", "contact_phone")
MULTILINE_FIELDS = ("description",)


# ------------------------------------------------------------------ content rules

def unit_aliases(unit: Unit) -> tuple[str, ...]:
    return (unit.short_name,) if unit.short_name else ()


def content_problems(programme: Programme, unit: Unit, values: dict, *, only: Iterable[str] | None = None) -> list[Problem]:
    """Check the 申报表 fields that are filled in (all of them when `only` is None)."""
    names = set(CONTENT_FIELDS if only is None else only)
    problems: list[Problem] = []
    for name in (n for n in TEXT_FIELDS if n in names):
        value = values.get(name)
        if isinstance(value, str):
            problems += rules.check_text(value, field=name, label=REQUIRED_LABELS[name], multiline=name in MULTILINE_FIELDS)
    if problems:  # the other rules would only repeat the unreadable text back
        return problems
    for name in names & set(MAX_LENGTHS):
        value = values.get(name)
        if isinstance(value, str) and len(value) > MAX_LENGTHS[name]:
            problems.append(Problem(name, f"{REQUIRED_LABELS[name]}不能超过{MAX_LENGTHS[name]}个字。", f"{name}_too_long"))
    if "month" in names and values.get("month") not in (None, ""):
        problems += rules.check_month(
            values["month"], year=programme.year, first=programme.window_first_month,
            last=programme.window_last_month, clause=programme.clause("window", "四"),
        )
    if "form" in names and values.get("form"):
        problems += rules.check_choice(values["form"], choices=programme.forms, field="form", label="活动形式", clause=programme.clause("forms", "三"))
    if "focus_topic" in names and values.get("focus_topic"):
        problems += rules.check_choice(values["focus_topic"], choices=programme.focus_topics, field="focus_topic", label="重点主题", clause=programme.clause("topics", "一"))
    if "banner" in names and values.get("banner"):
        problems += rules.check_banner(values["banner"], unit_name=unit.name, year=programme.year, rule=programme.banner_rule, unit_aliases=unit_aliases(unit))
    if "contact_phone" in names and values.get("contact_phone"):
        problems += rules.check_phone(values["contact_phone"])
    return problems


def form_problems(declaration: Declaration) -> list[Problem]:
    """The 申报表 complete and every field by the programme's rules: what the operator's hand-over
    to the leader and the leader's seal both require, with the same per-field messages."""
    values = {name: getattr(declaration, name) for name in CONTENT_FIELDS}
    return rules.check_required(values, REQUIRED_LABELS) + content_problems(declaration.programme, declaration.unit, values)


def submit_problems(declaration: Declaration, *, now: dt.datetime) -> list[Problem]:
    """Everything that must hold before the leader seals and submits: the form, and the deadline."""
    problems = form_problems(declaration)
    programme = declaration.programme
    if programme.declaration_due_date:
        extension = DeadlineExtension.objects.filter(programme=programme, unit=declaration.unit).values_list("until", flat=True).first()
        problems += rules.check_deadline(now, due_date=programme.declaration_due_date, extended_until=extension, clause=programme.clause("deadline", "四"))
    return problems


def _clean_content(data: dict) -> dict:
    unknown = set(data) - set(CONTENT_FIELDS)
    if unknown:
        raise RuleViolation([Problem(name, "该项不能在申报表中修改。", "field_not_editable") for name in sorted(unknown)])
    cleaned = {}
    for name, value in data.items():
        if name == "month":
            if value in (None, ""):
                cleaned[name] = None
                continue
            try:
                cleaned[name] = int(value)
            except (TypeError, ValueError):
                raise RuleViolation.single("month", "活动时间（月份）须为1至12之间的整数。", "month_invalid") from None
        else:
            cleaned[name] = ("" if value is None else str(value)).strip()
    return cleaned


# ------------------------------------------------------------------ the one path

def _pk(declaration: Declaration | int) -> int:
    return declaration.pk if isinstance(declaration, Declaration) else int(declaration)


def _plain(value):
    """A field value as the audit trail stores it (model instances by primary key)."""
    return value.pk if hasattr(value, "_meta") else value


def _state_label(state: str) -> str:
    return State(state).label


def _perform(
    declaration: Declaration | int,
    *,
    by: User,
    action: Action,
    guard: Callable[[Declaration], list[Problem]] | None = None,
    fields: Iterable[str] = (),
    reason: str | None = "",
    at: dt.datetime | None = None,
    params: dict | None = None,
    only_in: Sequence[State] = (),
) -> Declaration:
    """Lock, authorise, check state and guards, transition, save, audit, move the task: one transaction.

    An action without a transition (`ACTIONS[action].method` None) is allowed in the states `only_in`.
    """
    spec = ACTIONS[action]
    try:
        with transaction.atomic():
            locked = locking.declaration_for_update(declaration, by=by)
            authorize(by, action, locked)
            seen = declaration.state if isinstance(declaration, Declaration) else locked.state
            if seen != locked.state:
                raise TransitionConflict(
                    f"该申报刚刚已被他人处理，当前状态为“{_state_label(locked.state)}”，请刷新后再操作。"
                )
            with process.locked({locked.pk: locked.process_pk}) as processes:
                bound = getattr(locked, spec.method) if spec.method else None
                if not (can_proceed(bound) if bound else locked.state in only_in):
                    raise TransitionConflict(f"当前状态为“{_state_label(locked.state)}”，不能{spec.label}。")
                problems = reason_problems(reason, spec) + (guard(locked) if guard else [])
                if problems:
                    raise RuleViolation(problems)
                reason = (reason or "").strip()
                from_state, fields = locked.state, list(fields)
                before = {name: _plain(getattr(locked, name)) for name in fields}
                if bound:
                    bound(**(params or {}))
                changed = {
                    name: [before[name], after]
                    for name in fields
                    if (after := _plain(getattr(locked, name))) != before[name]
                }
                # 代理: done by a substitute on someone's behalf (workflow.handover), in the event's payload
                node = spec.step if spec.step not in (WITHDRAWN, ENDED) else None
                changed |= handover.behalf(handover.acting_for(by, action, locked, step=node))
                audit.record(
                    action=action.value, actor=by, declaration=locked, from_state=from_state,
                    to_state=locked.state, reason=reason, changed=changed, at=at,
                )
                locked.save(update_fields=[*(["state"] if bound else []), "updated_at", *fields, *audit.AUDIT_HEAD_FIELDS])
                process.follow(processes.get(locked.pk), spec.step, by=by, declaration=locked)
                _follow_up(action=action, declarations=[locked], by=by, reason=reason, from_state=from_state)
    except ConcurrentTransition:
        raise TransitionConflict("该申报刚刚已被他人处理，请刷新后再操作。") from None
    return locked


def _follow_up(
    *, action: Action, declarations: Sequence[Declaration], by: User, reason: str = "", from_state: str = "",
) -> None:
    """What an action causes beyond the declarations, their tasks and their audit events starts
    here, inside the action's transaction: messages to the people concerned (written with the
    action, delivered by a worker after commit) and the public column's caches (built again
    after commit). Every service calls it once, with every declaration it changed."""
    with outbox.together():  # the messages below, written as one
        if ACTIONS[action].step or action == Action.CREATE:
            notify.tasks_opened(declarations, by=by)  # whoever now has a task of theirs, in one batch
        for declaration in declarations:
            notify.transitioned(declaration, action=action.value, by=by, reason=reason)
            publication.after_action(declaration, action=action.value, from_state=from_state)


def reason_problems(reason: str | None, spec) -> list[Problem]:
    """What is wrong with the reason given for an action (`spec` from `workflow.actions`): missing
    where required, or too long. Bulk actions ask before touching any item."""
    reason = (reason or "").strip()
    if spec.reason == Reason.REQUIRED and (not reason or _only_invisible(reason)):
        return [Problem("reason", f"请填写{spec.label}理由。", "reason_required")]
    if len(reason) > 2000:
        return [Problem("reason", f"{spec.label}理由不能超过2000个字。", "reason_too_long")]
    return []


def _only_invisible(text: str) -> bool:
    """Text that shows nothing (zero-width or format characters only): no reason at all."""
    return any(p.code.endswith("_invisible") for p in rules.check_text(text, field="reason", label="理由", multiline=True))


# ------------------------------------------------------------------ declaring

def declaration_create(
    *, programme: Programme, unit: Unit, by: User, data: dict | None = None, now: dt.datetime | None = None,
) -> Declaration:
    """A unit starts its 申报表 (drafted) and its process. One live declaration per unit and programme.

    A complete form goes to the unit leader to seal; an incomplete one is kept as a draft in the
    operator's 待办 (the revise task), because an incomplete form never reaches the leader
    (`form_problems`; `workflow.flows` routes on it).
    """
    authorize(by, Action.CREATE, unit=unit)
    if not programme.accepts_declarations or not programme.is_open:
        raise RuleViolation.single(NON_FIELD, f"“{programme.name}”当前不受理申报。", "programme_closed")
    values = _clean_content(data or {})
    problems = content_problems(programme, unit, values, only=values.keys())
    if problems:
        raise RuleViolation(problems)
    duplicate = RuleViolation.single(
        NON_FIELD,
        f"{unit.name}在“{programme.name}”中已有一份有效申报（每个单位确定{programme.themes_per_unit}个活动主题，"
        f"{rules.cite(programme.clause('deadline', '四'))}）。请修改已有申报。",
        "duplicate_declaration",
    )
    if Declaration.objects.filter(programme=programme, unit=unit).exclude(state=State.CANCELLED).exists():
        raise duplicate
    try:
        with transaction.atomic():
            declaration = Declaration.objects.create(programme=programme, unit=unit, created_by=by, **values)
            audit.record(
                action=Action.CREATE.value, actor=by, declaration=declaration, to_state=declaration.state,
                changed={name: [None, value] for name, value in values.items() if value not in (None, "")}, at=now,
            )
            declaration.save(update_fields=list(audit.AUDIT_HEAD_FIELDS))
            process.start(declaration)
            _follow_up(action=Action.CREATE, declarations=[declaration], by=by)
    except IntegrityError:  # two people created at once: the database constraint decides
        raise duplicate from None
    return declaration


def _apply_edits(locked: Declaration, *, by: User, values: dict, at: dt.datetime | None = None) -> None:
    """Write the changed 申报表 fields of a locked draft, with one audit event listing them."""
    problems = content_problems(locked.programme, locked.unit, values, only=values.keys())
    if problems:
        raise RuleViolation(problems)
    changed = {name: [getattr(locked, name), value] for name, value in values.items() if getattr(locked, name) != value}
    if not changed:
        return
    for name, (_old, new) in changed.items():
        setattr(locked, name, new)
    audit.record(action=Action.EDIT.value, actor=by, declaration=locked, from_state=locked.state, to_state=locked.state,
                 changed=changed, at=at)
    locked.save(update_fields=[*changed, "updated_at", *audit.AUDIT_HEAD_FIELDS])


def declaration_update(*, declaration: Declaration | int, by: User, data: dict, now: dt.datetime | None = None) -> Declaration:
    """Edit the 申报表 while drafted; the audit event lists every changed field. No task moves."""
    values = _clean_content(data)
    with transaction.atomic():
        locked = locking.declaration_for_update(declaration)
        authorize(by, Action.EDIT, locked)
        if locked.state != State.DRAFTED:
            raise TransitionConflict(f"当前状态为“{_state_label(locked.state)}”，只有草稿可以修改。")
        _apply_edits(locked, by=by, values=values, at=now)
    return locked


def declaration_hand_over(*, declaration: Declaration | int, by: User, data: dict | None = None) -> Declaration:
    """The operator saves the revised draft and hands it to the unit leader to seal (the revise task).

    The form must be complete by the seal's own rule (`form_problems`, the same per-field
    messages): an incomplete form never reaches the leader. Refused, nothing is saved.
    """
    values = _clean_content(data or {})
    with transaction.atomic():
        if values:
            declaration = declaration_update(declaration=declaration, by=by, data=values)
        return _perform(declaration, by=by, action=Action.HAND_OVER, guard=form_problems, only_in=[State.DRAFTED])


def declaration_submit(*, declaration: Declaration | int, by: User, now: dt.datetime | None = None) -> Declaration:
    """The unit leader seals (公章) and submits the 申报表 to the office."""
    at = now or timezone.now()
    return _perform(
        declaration, by=by, action=Action.SUBMIT, guard=lambda d: submit_problems(d, now=at),
        fields=["submitted_by", "submitted_at", "first_submitted_at"], at=at, params={"user": by, "when": at},
    )


def declaration_send_back(*, declaration: Declaration | int, by: User, reason: str = "") -> Declaration:
    """The unit leader hands the draft back to the operator unsealed (state stays drafted).

    No transition: the audit trail records who sent it back and why; the operator revises.
    """
    return _perform(declaration, by=by, action=Action.SEND_BACK, reason=reason, only_in=[State.DRAFTED])


def declaration_withdraw(*, declaration: Declaration | int, by: User, reason: str = "") -> Declaration:
    """The unit leader takes a submitted declaration back before the office reviews it."""
    return _perform(declaration, by=by, action=Action.WITHDRAW, reason=reason)


# ------------------------------------------------------------------ reviewing

def declaration_return(*, declaration: Declaration | int, by: User, reason: str = "", now: dt.datetime | None = None) -> Declaration:
    """The office sends the declaration back to the unit with a reason (a revise task)."""
    return _perform(declaration, by=by, action=Action.RETURN, reason=reason, at=now,
                    fields=["return_reason", "return_count"], params={"reason": (reason or "").strip()})


def declaration_approve(*, declaration: Declaration | int, by: User, now: dt.datetime | None = None) -> Declaration:
    at = now or timezone.now()
    return _perform(declaration, by=by, action=Action.APPROVE,
                    fields=["reviewed_by", "reviewed_at"], at=at, params={"user": by, "when": at})


def declaration_cancel(*, declaration: Declaration | int, by: User, reason: str = "") -> Declaration:
    """The office cancels a declaration before the activity is held; its process ends."""
    return _perform(declaration, by=by, action=Action.CANCEL, reason=reason,
                    fields=["cancel_reason"], params={"reason": (reason or "").strip()})


def deadline_extension_grant(
    *, programme: Programme, unit: Unit, until: dt.date, reason: str, by: User, now: dt.datetime | None = None,
) -> DeadlineExtension:
    """The office lets one unit submit after the deadline, until `until` (inclusive)."""
    authorize(by, Action.EXTEND, unit=unit)
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation.single("reason", "请填写延期理由。", "reason_required")
    if len(reason) > 2000:
        raise RuleViolation.single("reason", "延期理由不能超过2000个字。", "reason_too_long")
    if programme.declaration_due_date and until <= programme.declaration_due_date:
        raise RuleViolation.single("until", f"延期日期须晚于申报截止日期{programme.declaration_due_date:%Y-%m-%d}。", "extension_not_later")
    with transaction.atomic():
        extension, created = DeadlineExtension.objects.select_for_update().update_or_create(
            programme=programme, unit=unit, defaults={"until": until, "reason": reason, "granted_by": by},
        )
        audit.record(
            action=Action.EXTEND.value, actor=by, unit=unit, programme=programme, reason=reason,
            changed={"until": until, "new": created}, at=now,
        )
        notify.deadline_extended(extension, by=by)
    return extension


# ------------------------------------------------------------------ scheduling

def _months_problems(programme: Programme, months: dict[int, object]) -> list[Problem]:
    problems = []
    for declaration_id, month in months.items():
        for problem in rules.check_month(
            month, year=programme.year, first=programme.window_first_month,
            last=programme.window_last_month, clause=programme.clause("window", "四"),
        ):
            problems.append(Problem(f"month.{declaration_id}", problem.message, problem.code))
    return problems


def schedule_publish(
    *, programme: Programme, by: User, months: dict[int, int] | None = None, now: dt.datetime | None = None,
) -> ScheduleVersion:
    """Publish the 活动计划安排表: every listed reviewed declaration moves to `scheduled`.

    `months` maps declaration id → month; None takes every reviewed declaration of the
    programme at its declared month. All or nothing: one bad month and nothing moves. Each
    declaration's schedule task is completed by `by`.
    """
    authorize(by, Action.SCHEDULE)
    spec = ACTIONS[Action.SCHEDULE]
    with transaction.atomic():
        reviewed = {
            d.pk: d for d in Declaration.objects.select_for_update(of=("self",)).select_related("unit", "programme")
            .annotate(process_pk=process.id_of_process()).filter(programme=programme, state=State.REVIEWED).order_by("pk")
        }
        if months is None:
            months = {pk: d.month for pk, d in reviewed.items()}
        months = {int(k): v for k, v in months.items()}
        missing = [pk for pk in months if pk not in reviewed]
        if missing:
            raise TransitionConflict(f"申报 {', '.join(f'#{pk}' for pk in missing)} 不是待排期（已审核）状态，不能列入安排表。")
        if not months:
            raise RuleViolation.single(NON_FIELD, "没有可排期的申报：请先审核通过申报。", "schedule_empty")
        problems = _months_problems(programme, months)
        if problems:
            raise RuleViolation(problems)
        with process.locked({pk: reviewed[pk].process_pk for pk in months}) as processes:
            for pk, month in months.items():
                d = reviewed[pk]
                d.schedule(month=int(month))
                audit.record(action=Action.SCHEDULE.value, actor=by, declaration=d, from_state=State.REVIEWED, to_state=d.state,
                             changed={"scheduled_month": [None, int(month)]}, at=now)
                d.save(update_fields=["state", "scheduled_month", "updated_at", *audit.AUDIT_HEAD_FIELDS])
                process.follow(processes.get(pk), spec.step, by=by, declaration=d)
            _follow_up(action=Action.SCHEDULE, declarations=[reviewed[pk] for pk in months], by=by, from_state=State.REVIEWED)
            return schedule_versions.publish_next(programme, by=by, at=now)


def declaration_schedule(*, declaration: Declaration | int, by: User, month=None) -> Declaration:
    """Schedule one reviewed declaration, at its declared month unless `month` says otherwise: a
    publication of the 活动计划安排表 with this one row (the schedule task's page, the API)."""
    current = Declaration.objects.select_related("programme").filter(pk=_pk(declaration)).first()
    if current is None or not can_view(by, current):
        raise NotFound()
    try:
        schedule_publish(programme=current.programme, by=by, months={current.pk: current.month if month is None else month})
    except RuleViolation as error:  # the publication names the month per declaration (month.<id>)
        own = f"month.{current.pk}"
        raise RuleViolation([Problem("month" if p.field == own else p.field, p.message, p.code) for p in error.problems]) from None
    return Declaration.objects.select_related("programme", "unit").get(pk=current.pk)


def declaration_reschedule(*, declaration: Declaration | int, by: User, month=None, reason: str = "") -> Declaration:
    """Move a scheduled activity to another month; publishes the next schedule version."""
    with transaction.atomic():
        locked = _perform(
            declaration, by=by, action=Action.RESCHEDULE, reason=reason,
            guard=lambda d: [Problem("month", p.message, p.code) for p in _months_problems(d.programme, {d.pk: month})],
            fields=["scheduled_month"], params={"month": month},
        )
        schedule_versions.publish_next(locked.programme, by=by, reason=(reason or "").strip())
    return locked


# ------------------------------------------------------------------ holding and summary

HOLDING_FIELDS = ("held_on", "place", "participants", "banner_used", "logo_shown", "publicity", "form_facts")
SUMMARY_FIELDS = ("summary_practice", "summary_effect", "summary_experience")


def _holding_values(evidence: dict) -> dict:
    unknown = set(evidence) - set(HOLDING_FIELDS)
    if unknown:
        raise RuleViolation([Problem(name, "该项不属于活动举办情况。", "field_not_editable") for name in sorted(unknown)])
    values = {name: evidence.get(name) for name in HOLDING_FIELDS}
    values["held_on"] = holding.as_date(values["held_on"])
    values["place"] = str(values["place"] or "").strip()
    values["banner_used"] = str(values["banner_used"] or "").strip()
    participants = values["participants"]
    if isinstance(participants, dict):  # counts stored as integers; anything else stays for the rule to name
        counts = {code: holding.as_count(raw) for code, raw in participants.items()}
        if None not in counts.values():
            values["participants"] = counts
    values["publicity"] = values["publicity"] or []
    values["form_facts"] = values["form_facts"] or {}
    return values


def holding_problems(declaration: Declaration, values: dict, *, today: dt.date) -> list[Problem]:
    programme = declaration.programme
    form = next((f for f in programme.forms if f["code"] == declaration.form), None)
    return holding.check_holding(
        values, year=programme.year, today=today, form=form,
        categories=programme.participant_categories, channels=programme.publicity_channels,
        banner_rule=programme.banner_rule, unit_name=declaration.unit.name,
        unit_aliases=unit_aliases(declaration.unit), clauses=programme.clauses,
    )


def declaration_hold(
    *, declaration: Declaration | int, by: User, evidence: dict, uploads: Sequence[evidence_files.Upload] = (),
    now: dt.datetime | None = None,
) -> Declaration:
    """The unit records that the activity was held, with the evidence the notice asks for.

    `uploads` (photos, publicity screenshots) are checked with the rest, so one refusal
    lists every problem, and stored in the same transaction (one audit event each).
    Held outside the scheduled month is accepted and flagged (`Declaration.held_outside_schedule`);
    the assessment sees it too (`held_in_scheduled_month`).
    """
    values = _holding_values(evidence)
    checked = [evidence_files.inspect(upload) for upload in uploads]
    at = now or timezone.now()
    today = timezone.localdate(at)
    with evidence_files.files_kept_only_on_success(), transaction.atomic():
        held = _perform(
            declaration, by=by, action=Action.HOLD,
            guard=lambda d: holding_problems(d, values, today=today) + evidence_files.upload_problems(d.programme, checked),
            fields=HOLDING_FIELDS, at=at, params=values,
        )
        if checked:
            evidence_files.store(held, checked, by=by)
            held.save(update_fields=["updated_at", *audit.AUDIT_HEAD_FIELDS])
    return held


# While the activity is being prepared (scheduled) and once held until the summary is written;
# after that the evidence is part of what the office evaluates and stays as it was.
EVIDENCE_STATES = (State.SCHEDULED, State.HELD)


def evidence_upload(*, declaration: Declaration | int, by: User, uploads: Sequence[evidence_files.Upload]) -> list[Evidence]:
    """The unit adds evidence files (photos, PDFs) to its activity: checked, stored, audited, all or nothing."""
    checked = [evidence_files.inspect(upload) for upload in uploads]
    with evidence_files.files_kept_only_on_success(), transaction.atomic():
        locked = locking.declaration_for_update(declaration)
        authorize(by, Action.UPLOAD_EVIDENCE, locked)
        if locked.state not in EVIDENCE_STATES:
            raise TransitionConflict(
                f"当前状态为“{_state_label(locked.state)}”：只有已排期或已举办（提交总结前）的活动可以上传举办证据。"
            )
        if not checked:
            raise RuleViolation.single("file", "请选择要上传的文件。", "evidence_required")
        problems = evidence_files.upload_problems(locked.programme, checked)
        if problems:
            raise RuleViolation(problems)
        saved = evidence_files.store(locked, checked, by=by)
        locked.save(update_fields=["updated_at", *audit.AUDIT_HEAD_FIELDS])
        _follow_up(action=Action.UPLOAD_EVIDENCE, declarations=[locked], by=by, from_state=locked.state)
    return saved


def declaration_summarize(
    *, declaration: Declaration | int, by: User, summary: dict, nominate: bool = False, now: dt.datetime | None = None
) -> Declaration:
    """The unit writes its summary (做法, 成效, 经验), optionally nominating it as typical experience."""
    values = {name: str(summary.get(name) or "").strip() for name in SUMMARY_FIELDS}
    at = now or timezone.now()
    return _perform(
        declaration, by=by, action=Action.SUMMARIZE,
        guard=lambda d: holding.check_summary(values),
        fields=[*SUMMARY_FIELDS, "nominated", "summarized_at"],
        at=at, params={"when": at, "nominated": bool(nominate), **values},
    )


EXEMPLARY_STATES = (State.SUMMARIZED, State.EVALUATED)


def declaration_mark_exemplary(*, declaration: Declaration | int, by: User, exemplary: bool = True) -> Declaration:
    """The office marks (or unmarks) a summarized activity as exemplary experience."""
    with transaction.atomic():
        locked = locking.declaration_for_update(declaration)
        authorize(by, Action.MARK_EXEMPLARY, locked)
        if locked.state not in EXEMPLARY_STATES:
            raise TransitionConflict(f"当前状态为“{_state_label(locked.state)}”，只有已总结的活动可以认定为典型经验。")
        if locked.exemplary == exemplary:
            return locked
        audit.record(action=Action.MARK_EXEMPLARY.value, actor=by, declaration=locked, from_state=locked.state,
                     to_state=locked.state, changed={"exemplary": [locked.exemplary, exemplary]})
        locked.exemplary = exemplary
        locked.save(update_fields=["exemplary", "updated_at", *audit.AUDIT_HEAD_FIELDS])
        _follow_up(action=Action.MARK_EXEMPLARY, declarations=[locked], by=by, from_state=locked.state)
    return locked


# ------------------------------------------------------------------ evaluation

def declaration_evaluate(*, declaration: Declaration | int, by: User, scores: dict, comment: str) -> Declaration:
    """The assessor scores the manual indicators of the programme's scheme."""
    comment = (comment or "").strip()
    if not isinstance(scores, dict):
        raise RuleViolation.single("scores", "评估打分须按指标填写。", "scores_invalid")

    def guard(d: Declaration) -> list[Problem]:
        problems = rules.check_scores(scores, indicators=d.programme.assessment_scheme.get("indicators", []))
        if not comment:
            problems.append(Problem("comment", "请填写评估意见。", "comment_required"))
        return problems

    at = timezone.now()
    return _perform(
        declaration, by=by, action=Action.EVALUATE, guard=guard,
        fields=["scores", "evaluation_comment", "evaluated_by", "evaluated_at"],
        at=at, params={"user": by, "when": at, "scores": {k: float(v) for k, v in scores.items() if _is_number(v)}, "comment": comment},
    )


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, bool)


# ------------------------------------------------------------------ reminders by hand

def unit_urge(*, programme: Programme, unit: Unit, by: User, declaration: Declaration | None = None,
              now: dt.datetime | None = None) -> int:
    """The office reminds a unit at once: 催报 while it has not submitted, 催办 of the task its
    declaration waits for. Audited; once per unit per day. Returns how many people were told."""
    authorize(by, Action.URGE, declaration, unit=unit)
    return reminders.urge(programme=programme, unit=unit, declaration=declaration, by=by, today=timezone.localdate(now))


# ------------------------------------------------------------------ tasks

def task_release(*, task: int, by: User) -> int:
    """退回队列: the person holding an open task gives it back, unfinished, to the queue of
    everyone who may take it (the task's own permission: the unit's people, or the office role).

    Not a transition of the declaration, but audited on its chain (`release_task`: the step, the
    task and who held it), so that the trail shows who held which task and when it was let go.
    NotFound for a task the person may not see; PermissionRefused for someone else's task;
    TransitionConflict for one in the queue already or finished. Returns the task's id.
    """
    found = process.task_of(task)
    if found is None:
        raise NotFound("未找到该任务，或您无权查看。")
    with transaction.atomic():
        locked = locking.declaration_for_update(found.process.artifact_object_id)
        if not can_view(by, locked):
            raise NotFound("未找到该任务，或您无权查看。")
        with process.locked({locked.pk: locked.process_pk}):
            held = process.task_of(found.pk)  # as it is now that nobody else may move it
            _release(held, locked, by=by)
    return found.pk


def _release(held, locked: Declaration, *, by: User) -> None:
    """The checks and the move of `task_release`, with the declaration row and the process locked."""
    if held.status == process.STATUS.NEW and held.owner_id is None:
        raise TransitionConflict("该任务已在待领取队列中，无需退回。")
    if held.status not in process.IN_HAND:
        raise TransitionConflict("该任务已办结，不能退回队列。")
    if held.owner_id != by.pk:
        raise PermissionRefused("只有领取该任务的人可以将其退回队列。")
    audit.record(
        action="release_task", actor=by, declaration=locked, from_state=locked.state, to_state=locked.state,
        changed={"step": str(held.flow_task.task_title), "task": held.pk, "owner": [by.username, None]},
    )
    locked.save(update_fields=["updated_at", *audit.AUDIT_HEAD_FIELDS])
    process.release(held)


# The service of each action that pages, the API and the admin call by its name (workflow.actions).
SERVICE_OF: dict[Action, Callable[..., Declaration]] = {
    Action.HAND_OVER: declaration_hand_over,
    Action.SUBMIT: declaration_submit,
    Action.SEND_BACK: declaration_send_back,
    Action.WITHDRAW: declaration_withdraw,
    Action.RETURN: declaration_return,
    Action.APPROVE: declaration_approve,
    Action.SCHEDULE: declaration_schedule,
    Action.RESCHEDULE: declaration_reschedule,
    Action.HOLD: declaration_hold,
    Action.SUMMARIZE: declaration_summarize,
    Action.EVALUATE: declaration_evaluate,
    Action.CANCEL: declaration_cancel,
}

"""Every state change of a declaration, one function each (DESIGN §4).

Each service runs in one database transaction: it locks the declaration row, checks
that the caller may see it (404) and may act (403), that the state allows the
transition and nobody changed it meanwhile (409), that the programme's rules hold
(400), then fires the django-fsm transition, saves with `update_fields` and writes one
audit event. Pages, API, admin actions and commands all call these functions.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed

from policies import holding, rules
from policies.models import Programme
from policies.rules import NON_FIELD, Problem
from units.models import Unit
from workflow import audit, notify, reminders
from workflow import evidence as evidence_files
from workflow.errors import NotFound, RuleViolation, TransitionConflict
from workflow.models import CONTENT_FIELDS, DeadlineExtension, Declaration, Evidence, ScheduleVersion, State
from workflow.permissions import ACTION_LABELS, Action, authorize

REQUIRED_LABELS = {
    "theme": "活动主题", "month": "活动时间（月份）", "form": "活动形式", "focus_topic": "重点主题",
    "description": "活动简介", "banner": "会标", "contact_name": "联系人", "contact_phone": "联系电话",
}
MAX_LENGTHS = {"theme": 200, "banner": 200, "contact_name": 50, "contact_phone": 50, "description": 2000}


# ------------------------------------------------------------------ content rules

def unit_aliases(unit: Unit) -> tuple[str, ...]:
    return (unit.short_name,) if unit.short_name else ()


def content_problems(programme: Programme, unit: Unit, values: dict, *, only: Iterable[str] | None = None) -> list[Problem]:
    """Check the 申报表 fields that are filled in (all of them when `only` is None)."""
    names = set(CONTENT_FIELDS if only is None else only)
    problems: list[Problem] = []
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


def submit_problems(declaration: Declaration, *, now: dt.datetime) -> list[Problem]:
    """Everything that must hold before the leader seals and submits."""
    values = {name: getattr(declaration, name) for name in CONTENT_FIELDS}
    problems = rules.check_required(values, REQUIRED_LABELS) + content_problems(declaration.programme, declaration.unit, values)
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

def _lock(declaration: Declaration | int) -> Declaration:
    pk = declaration.pk if isinstance(declaration, Declaration) else declaration
    try:
        return Declaration.objects.select_for_update(of=("self",)).select_related("programme", "unit").get(pk=pk)
    except Declaration.DoesNotExist:
        raise NotFound() from None


def _plain(value):
    """A field value as the audit trail stores it (model instances by primary key)."""
    return value.pk if hasattr(value, "_meta") else value


def _state_label(state: str) -> str:
    return State(state).label


def _run(
    declaration: Declaration | int,
    *,
    by,
    action: Action,
    method: str,
    guard: Callable[[Declaration], list[Problem]] | None = None,
    fields: Iterable[str] = (),
    reason: str | None = "",
    reason_for: str | None = None,
    at: dt.datetime | None = None,
    params: dict | None = None,
) -> Declaration:
    """Lock, authorise, check state and guards, transition, save, audit: one transaction."""
    try:
        with transaction.atomic():
            locked = _lock(declaration)
            authorize(by, action, locked)
            seen = declaration.state if isinstance(declaration, Declaration) else locked.state
            if seen != locked.state:
                raise TransitionConflict(
                    f"该申报刚刚已被他人处理，当前状态为“{_state_label(locked.state)}”，请刷新后再操作。"
                )
            bound = getattr(locked, method)
            if not can_proceed(bound):
                raise TransitionConflict(
                    f"当前状态为“{_state_label(locked.state)}”，不能{ACTION_LABELS[action]}。"
                )
            problems = _reason_problems(reason, what=reason_for)
            if guard:
                problems += guard(locked)
            if problems:
                raise RuleViolation(problems)
            reason = (reason or "").strip()
            from_state = locked.state
            fields = list(fields)
            before = {name: _plain(getattr(locked, name)) for name in fields}
            bound(**(params or {}))
            changed = {
                name: [before[name], after]
                for name in fields
                if (after := _plain(getattr(locked, name))) != before[name]
            }
            audit.record(
                action=action.value, actor=by, declaration=locked, from_state=from_state,
                to_state=locked.state, reason=reason, changed=changed, at=at,
            )
            locked.save(update_fields=["state", "updated_at", *fields, *audit.AUDIT_HEAD_FIELDS])
            notify.transitioned(locked, action=action.value, by=by, reason=reason)
    except ConcurrentTransition:
        raise TransitionConflict("该申报刚刚已被他人处理，请刷新后再操作。") from None
    return locked


def _reason_problems(reason: str | None, *, what: str | None) -> list[Problem]:
    """`what` names a required reason (退回, 取消…); None means the reason is optional."""
    reason = (reason or "").strip()
    if what and not reason:
        return [Problem("reason", f"请填写{what}理由。", "reason_required")]
    if len(reason) > 2000:
        return [Problem("reason", f"{what or ''}理由不能超过2000个字。", "reason_too_long")]
    return []


def _require_reason(reason: str | None, *, what: str) -> str:
    problems = _reason_problems(reason, what=what)
    if problems:
        raise RuleViolation(problems)
    return (reason or "").strip()


# ------------------------------------------------------------------ declaring

def declaration_create(*, programme: Programme, unit: Unit, by, data: dict | None = None) -> Declaration:
    """A unit starts its 申报表 (drafted). One live declaration per unit and programme."""
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
                action="create", actor=by, declaration=declaration, to_state=declaration.state,
                changed={name: [None, value] for name, value in values.items() if value not in (None, "")},
            )
            declaration.save(update_fields=list(audit.AUDIT_HEAD_FIELDS))
    except IntegrityError:  # two people created at once: the database constraint decides
        raise duplicate from None
    return declaration


def declaration_update(*, declaration: Declaration, by, data: dict) -> Declaration:
    """Edit the 申报表 while drafted; the audit event lists every changed field."""
    values = _clean_content(data)
    with transaction.atomic():
        locked = _lock(declaration)
        authorize(by, Action.EDIT, locked)
        if locked.state != State.DRAFTED:
            raise TransitionConflict(f"当前状态为“{_state_label(locked.state)}”，只有草稿可以修改。")
        problems = content_problems(locked.programme, locked.unit, values, only=values.keys())
        if problems:
            raise RuleViolation(problems)
        changed = {
            name: [getattr(locked, name), value]
            for name, value in values.items()
            if getattr(locked, name) != value
        }
        if not changed:
            return locked
        for name, (_old, new) in changed.items():
            setattr(locked, name, new)
        audit.record(action="edit", actor=by, declaration=locked, from_state=locked.state, to_state=locked.state, changed=changed)
        locked.save(update_fields=[*changed, "updated_at", *audit.AUDIT_HEAD_FIELDS])
    return locked


def declaration_submit(*, declaration: Declaration | int, by, now: dt.datetime | None = None) -> Declaration:
    """The unit leader seals (公章) and submits the 申报表 to the office."""
    at = now or timezone.now()
    return _run(
        declaration, by=by, action=Action.SUBMIT, method="submit",
        guard=lambda d: submit_problems(d, now=at),
        fields=["submitted_by", "submitted_at", "first_submitted_at"], at=at, params={"user": by, "when": at},
    )


def declaration_withdraw(*, declaration: Declaration, by, reason: str = "") -> Declaration:
    """The unit leader takes a submitted declaration back before the office reviews it."""
    return _run(declaration, by=by, action=Action.WITHDRAW, method="withdraw", reason=reason)


# ------------------------------------------------------------------ reviewing

def declaration_return(*, declaration: Declaration | int, by, reason: str) -> Declaration:
    """The office sends the declaration back to the unit with a reason (a revise task)."""
    return _run(declaration, by=by, action=Action.RETURN, method="return_to_unit", reason=reason, reason_for="退回",
                fields=["return_reason", "return_count"], params={"reason": (reason or "").strip()})


def declaration_approve(*, declaration: Declaration | int, by, now: dt.datetime | None = None) -> Declaration:
    at = now or timezone.now()
    return _run(declaration, by=by, action=Action.APPROVE, method="approve",
                fields=["reviewed_by", "reviewed_at"], at=at, params={"user": by, "when": at})


def declaration_cancel(*, declaration: Declaration, by, reason: str) -> Declaration:
    """The office cancels a declaration before the activity is held."""
    return _run(declaration, by=by, action=Action.CANCEL, method="cancel", reason=reason, reason_for="取消",
                fields=["cancel_reason"], params={"reason": (reason or "").strip()})


def deadline_extension_grant(*, programme: Programme, unit: Unit, until: dt.date, reason: str, by) -> DeadlineExtension:
    """The office lets one unit submit after the deadline, until `until` (inclusive)."""
    authorize(by, Action.EXTEND, unit=unit)
    reason = _require_reason(reason, what="延期")
    if programme.declaration_due_date and until <= programme.declaration_due_date:
        raise RuleViolation.single("until", f"延期日期须晚于申报截止日期{programme.declaration_due_date:%Y-%m-%d}。", "extension_not_later")
    with transaction.atomic():
        extension, created = DeadlineExtension.objects.select_for_update().update_or_create(
            programme=programme, unit=unit, defaults={"until": until, "reason": reason, "granted_by": by},
        )
        audit.record(
            action="grant_extension", actor=by, unit=unit, programme=programme, reason=reason,
            changed={"until": until, "new": created},
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


def _snapshot(programme: Programme) -> list[dict]:
    return [
        {"declaration": pk, "unit": unit_id, "month": month}
        for pk, unit_id, month in Declaration.objects.filter(programme=programme, state__in=[State.SCHEDULED])
        .order_by("scheduled_month", "unit__code").values_list("pk", "unit_id", "scheduled_month")
    ]


def _next_version(programme: Programme, *, by, reason: str = "") -> ScheduleVersion:
    last = ScheduleVersion.objects.select_for_update().filter(programme=programme).order_by("-number").first()
    return ScheduleVersion.objects.create(
        programme=programme, number=(last.number + 1 if last else 1), published_by=by,
        reason=reason, entries=_snapshot(programme),
    )


def schedule_publish(*, programme: Programme, by, months: dict[int, int] | None = None) -> ScheduleVersion:
    """Publish the 活动计划安排表: every listed reviewed declaration moves to `scheduled`.

    `months` maps declaration id → month; None takes every reviewed declaration of the
    programme at its declared month. All or nothing: one bad month and nothing moves.
    """
    authorize(by, Action.SCHEDULE)
    with transaction.atomic():
        reviewed = {
            d.pk: d for d in Declaration.objects.select_for_update(of=("self",)).select_related("unit", "programme")
            .filter(programme=programme, state=State.REVIEWED)
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
        for pk, month in months.items():
            d = reviewed[pk]
            from_state = d.state
            d.schedule(month=int(month))
            audit.record(action="schedule", actor=by, declaration=d, from_state=from_state, to_state=d.state,
                         changed={"scheduled_month": [None, int(month)]})
            d.save(update_fields=["state", "scheduled_month", "updated_at", *audit.AUDIT_HEAD_FIELDS])
        return _next_version(programme, by=by)


def declaration_reschedule(*, declaration: Declaration, by, month, reason: str) -> Declaration:
    """Move a scheduled activity to another month; publishes the next schedule version."""
    with transaction.atomic():
        locked = _run(
            declaration, by=by, action=Action.RESCHEDULE, method="reschedule", reason=reason, reason_for="调整排期",
            guard=lambda d: [Problem("month", p.message, p.code) for p in _months_problems(d.programme, {d.pk: month})],
            fields=["scheduled_month"], params={"month": month},
        )
        _next_version(locked.programme, by=by, reason=(reason or "").strip())
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
    *, declaration: Declaration, by, evidence: dict, uploads: Sequence[evidence_files.Upload] = (),
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
        held = _run(
            declaration, by=by, action=Action.HOLD, method="hold",
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


def evidence_upload(*, declaration: Declaration | int, by, uploads: Sequence[evidence_files.Upload]) -> list[Evidence]:
    """The unit adds evidence files (photos, PDFs) to its activity: checked, stored, audited, all or nothing."""
    checked = [evidence_files.inspect(upload) for upload in uploads]
    with evidence_files.files_kept_only_on_success(), transaction.atomic():
        locked = _lock(declaration)
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
    return saved


def declaration_summarize(
    *, declaration: Declaration, by, summary: dict, nominate: bool = False, now: dt.datetime | None = None
) -> Declaration:
    """The unit writes its summary (做法, 成效, 经验), optionally nominating it as typical experience."""
    values = {name: str(summary.get(name) or "").strip() for name in SUMMARY_FIELDS}
    at = now or timezone.now()
    return _run(
        declaration, by=by, action=Action.SUMMARIZE, method="summarize",
        guard=lambda d: holding.check_summary(values),
        fields=[*SUMMARY_FIELDS, "nominated", "summarized_at"],
        at=at, params={"when": at, "nominated": bool(nominate), **values},
    )


EXEMPLARY_STATES = (State.SUMMARIZED, State.EVALUATED)


def declaration_mark_exemplary(*, declaration: Declaration, by, exemplary: bool = True) -> Declaration:
    """The office marks (or unmarks) a summarised activity as exemplary experience."""
    with transaction.atomic():
        locked = _lock(declaration)
        authorize(by, Action.MARK_EXEMPLARY, locked)
        if locked.state not in EXEMPLARY_STATES:
            raise TransitionConflict(f"当前状态为“{_state_label(locked.state)}”，只有已总结的活动可以认定为典型经验。")
        if locked.exemplary == exemplary:
            return locked
        audit.record(action="mark_exemplary", actor=by, declaration=locked, from_state=locked.state,
                     to_state=locked.state, changed={"exemplary": [locked.exemplary, exemplary]})
        locked.exemplary = exemplary
        locked.save(update_fields=["exemplary", "updated_at", *audit.AUDIT_HEAD_FIELDS])
    return locked


# ------------------------------------------------------------------ evaluation

def declaration_evaluate(*, declaration: Declaration, by, scores: dict, comment: str) -> Declaration:
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
    return _run(
        declaration, by=by, action=Action.EVALUATE, method="evaluate", guard=guard,
        fields=["scores", "evaluation_comment", "evaluated_by", "evaluated_at"],
        at=at, params={"user": by, "when": at, "scores": {k: float(v) for k, v in scores.items() if _is_number(v)}, "comment": comment},
    )


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, bool)


def declaration_send_back(*, declaration: Declaration | int, by, reason: str = "") -> Declaration:
    """The unit leader hands the draft back to the operator unsealed (state stays drafted).

    No transition: only the audit trail records it, so the history shows who sent it back and why.
    """
    with transaction.atomic():
        locked = _lock(declaration)
        authorize(by, Action.SUBMIT, locked)
        if locked.state != State.DRAFTED:
            raise TransitionConflict(f"当前状态为“{_state_label(locked.state)}”，只有草稿可以退给填报人修改。")
        audit.record(action="send_back", actor=by, declaration=locked, from_state=locked.state,
                     to_state=locked.state, reason=(reason or "").strip())
        locked.save(update_fields=["updated_at", *audit.AUDIT_HEAD_FIELDS])
    return locked


# ------------------------------------------------------------------ reminders by hand

def unit_urge(*, programme: Programme, unit: Unit, by, declaration: Declaration | None = None,
              now: dt.datetime | None = None) -> int:
    """The office reminds a unit at once: 催报 while it has not submitted, 催办 of the task its
    declaration waits for. Audited; once per unit per day. Returns how many people were told."""
    authorize(by, Action.URGE, declaration, unit=unit)
    return reminders.urge(programme=programme, unit=unit, declaration=declaration, by=by, today=timezone.localdate(now))

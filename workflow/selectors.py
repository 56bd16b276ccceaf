"""Reads. One queryset each, joined; no per-row permission checks.

Visibility here is the same rule as `permissions.can_view`, expressed as SQL: a
membership semi-join (user → unit role group → unit) for unit people, plus every
declaration its unit has submitted at least once for office people (never-submitted
drafts stay inside the unit).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from policies import schedule
from policies.models import Programme
from units.models import Unit, UnitKind, UnitRoleGroup
from units.roles import Role
from workflow.errors import NotFound
from workflow.models import AuditEvent, DeadlineExtension, Declaration, Evidence, ScheduleVersion, State, state_label
from workflow.permissions import is_assessor, is_office

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# On the published schedule, with a scheduled month (held and later keep theirs).
PLACED = (State.SCHEDULED, State.HELD, State.SUMMARIZED, State.EVALUATED)


def _membership_sql(column: str) -> str:
    """`column` of the unit role groups `user` (the one parameter) belongs to."""
    return (f"SELECT {column} FROM {UnitRoleGroup._meta.db_table} urg "
            f"JOIN {get_user_model().groups.through._meta.db_table} ug ON ug.group_id = urg.group_id WHERE ug.user_id = %s")


def unit_ids_of(user: User, *, leaders_only: bool = False, as_text: bool = False) -> RawSQL:
    """Ids of the units where `user` is operator or leader (leader only, with `leaders_only`), as
    a subquery (`unit_id__in=unit_ids_of(user)`), not a list; `as_text` to match a text column
    (a task's permission object id).

    Written as SQL on purpose: the ORM's `UnitRoleGroup.objects.filter(group__user=user)` joins
    auth_group in between, and building it again for each of the up to four embeddings in one
    list statement cost more than running it (docs/benchmarks.md: lists).
    """
    return member_unit_ids(user.pk, leaders_only=leaders_only, as_text=as_text)


def member_unit_ids(person_id: int, *, leaders_only: bool = False, as_text: bool = False) -> RawSQL:
    """`unit_ids_of` for the person of `person_id`."""
    sql = _membership_sql("CAST(urg.unit_id AS varchar)" if as_text else "urg.unit_id")
    params = [person_id]
    if leaders_only:
        sql += " AND urg.role = %s"
        params.append(Role.LEADER)
    return RawSQL(sql, params)


def unit_roles_of(user: User) -> frozenset[str]:
    """The unit roles `user` holds in any unit (operator, leader): one small statement, so a
    caller leaves out the membership tests of someone who holds none (the office)."""
    if not (user and user.is_authenticated):
        return frozenset()
    with connection.cursor() as cursor:
        cursor.execute(_membership_sql("DISTINCT urg.role"), [user.pk])
        return frozenset(role for (role,) in cursor.fetchall())


def units_of(user: User) -> QuerySet[Unit]:
    if not (user and user.is_authenticated):
        return Unit.objects.none()
    return Unit.objects.filter(pk__in=unit_ids_of(user))


def visibility(user: User, *, roles: frozenset[str] | None = None) -> Q | None:
    """Who sees which declaration, as a condition on its `unit_id` and `first_submitted_at`
    (a Declaration's own columns, or `TaskRow`'s copy of them): a unit person's units; for the
    office also every declaration its unit has submitted. None: no declaration at all.

    With `roles` (`unit_roles_of`) known, the membership test of someone who holds no unit role
    is left out instead of sent to PostgreSQL to plan.
    """
    return visibility_of(user.pk, in_units=roles is None or bool(roles), office=is_office(user))


def visibility_of(person_id: int, *, in_units: bool, office: bool, path: str = "") -> Q | None:
    """`visibility` from plain values: the person's id, whether to test their unit memberships,
    whether they are office staff; `path` ("declaration__") tests a related row's declaration."""
    parts = [Q(**{f"{path}unit_id__in": member_unit_ids(person_id)})] if in_units else []
    if office:
        parts.append(Q(**{f"{path}first_submitted_at__isnull": False}))
    return reduce(or_, parts) if parts else None


def visibility_through(user: User, path: str = "declaration") -> Q | None:
    """`visibility` on the declaration a row points to through `path` (a message's `declaration`):
    plain column tests on the joined row, where `IN (declarations_visible_to(user))` made PostgreSQL
    hash every declaration the office may see. None: no declaration at all."""
    if not (user and user.is_authenticated and user.is_active):
        return None
    return visibility_of(user.pk, in_units=True, office=is_office(user), path=f"{path}__")


def declarations_visible_to(user: User, *, programme: Programme | None = None) -> QuerySet[Declaration]:
    if not (user and user.is_authenticated and user.is_active):
        return Declaration.objects.none()
    condition = visibility(user)
    if programme is None:
        return Declaration.objects.filter(condition).select_related("unit", "programme")
    # One programme's rows, read through its related manager: each row gets `programme` itself
    # (for the labels and flags) without joining its wide row (the policy JSON, which PostgreSQL
    # would sort along with every row) and without a second statement to fetch it.
    return programme.declarations.filter(condition).select_related("unit")


# What a row of the declaration list shows, and what its flags read (`held_outside_schedule`,
# `summary_late`): the page reads no other column (descriptions, summaries, the holding's JSON).
LIST_ROW_FIELDS = ("programme", "unit__name", "theme", "month", "scheduled_month", "form", "focus_topic", "state",
                   "held_on", "summarized_at", "exemplary")


def declaration_list_rows(user: User, *, programme: Programme | None) -> QuerySet[Declaration]:
    """The declaration list: `programme`'s declarations `user` may see (every programme's when
    None), by unit code. The list's filters (`workflow.filters`) narrow these rows, never widen them."""
    return declarations_visible_to(user, programme=programme).only(*LIST_ROW_FIELDS).order_by("unit__code", "pk")


def declaration_export_rows(user: User, *, programme: Programme | None) -> QuerySet[Declaration]:
    """What the list's XLSX export reads: the rows of `declaration_list_rows` with every 申报表 column."""
    return declarations_visible_to(user, programme=programme).order_by("unit__code", "pk")


def programme_accepting(code: str) -> Programme | None:
    """The programme of `code` that is open to declarations (pages and API answer None with their 404)."""
    return Programme.objects.filter(code=code, accepts_declarations=True).first()


def declaration_get(user: User, pk, *, for_update: bool = False) -> Declaration:
    """The declaration if `user` may see it; NotFound for missing and forbidden alike."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = declarations_visible_to(user)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=pk)
    except Declaration.DoesNotExist:
        raise NotFound() from None


def awaiting_seal(declaration_ids: Iterable[int]) -> set[int]:
    """Which of these drafts wait for their unit leader's seal (their seal task is open): one
    query, through the process's (content type, object id) index; none for no ids."""
    from workflow.flows import DeclarationFlow  # the flow's task pages read these selectors

    ids = [int(pk) for pk in declaration_ids]
    if not ids:
        return set()
    tasks = Task.objects.filter(
        process__artifact_content_type__app_label=Declaration._meta.app_label,
        process__artifact_content_type__model=Declaration._meta.model_name,
        process__artifact_object_id__in=ids, flow_task=DeclarationFlow.seal,
        status__in=(STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED),
    )
    return set(tasks.values_list("process__artifact_object_id", flat=True))


# The events after which a draft is in the operator's hands, or out of them.
_DRAFT_MOVES = ("create", "hand_over", "send_back", "submit", "withdraw", "return")


def last_send_back(declaration: Declaration) -> str:
    """The unit leader's note, when the last move of the draft was the leader sending it back to
    the operator (not a hand-over, a submission or the office's return since); else ""."""
    last = (
        AuditEvent.objects.filter(declaration=declaration, action__in=_DRAFT_MOVES)
        .order_by("-seq").values_list("action", "reason").first()
    )
    return last[1] if last and last[0] == "send_back" else ""


# Audit events of the office's internal notes (workflow.discussion): never in a unit's history.
OFFICE_ONLY_EVENTS = ("office_note", "edit_office_note")


def history_of(declaration: Declaration, *, viewer: User | None = None) -> QuerySet[AuditEvent]:
    """The declaration's audit events in chain order (the caller already may see it). The office's
    internal notes only when `viewer` is office staff."""
    events = AuditEvent.objects.filter(declaration=declaration).select_related("actor").order_by("seq")
    return events if viewer is not None and is_office(viewer) else events.exclude(action__in=OFFICE_ONLY_EVENTS)


def declaration_history(user: User, declaration_id) -> QuerySet[AuditEvent]:
    return history_of(declaration_get(user, declaration_id), viewer=user)


def evidence_of(declaration: Declaration) -> QuerySet[Evidence]:
    """The declaration's evidence files, oldest first (the caller already may see it)."""
    return Evidence.objects.filter(declaration=declaration).select_related("uploaded_by").order_by("uploaded_at", "pk")


def evidence_get(user: User, declaration_id, evidence_id) -> Evidence:
    """One evidence file of a declaration `user` may see; NotFound for missing and forbidden alike."""
    declaration = declaration_get(user, declaration_id)
    try:
        return Evidence.objects.get(pk=int(evidence_id), declaration=declaration, unit_id=declaration.unit_id)
    except (Evidence.DoesNotExist, TypeError, ValueError):
        raise NotFound("未找到该文件，或您无权查看。") from None


def audit_events_visible_to(user: User) -> QuerySet[AuditEvent]:
    """The trail for assessors; nothing for anyone else.

    An assessor sees every event outside declarations and every event of a declaration
    they may see (`declaration_history`'s rule): a unit's never-submitted draft stays
    inside the unit, its events too, until the unit submits it. The whole chain,
    drafts included, is checked by `trail.verify`, which needs no selector.
    """
    if not is_assessor(user):
        return AuditEvent.objects.none()
    visible = (
        Q(declaration__isnull=True)
        | Q(declaration__first_submitted_at__isnull=False)
        | Q(declaration__unit_id__in=unit_ids_of(user))
    )
    return AuditEvent.objects.filter(visible).select_related("actor", "unit", "declaration")


# ------------------------------------------------------------------ the office's dashboard

@dataclass
class Activities:
    """The programme's activities counted for the dashboard's charts: declarations its units have
    submitted at least once and not cancelled, at the month they stand at (the scheduled one once
    scheduled), in the programme's order of months, forms and focus topics."""

    by_month: list[tuple[str, int]]  # (window month, as 5月, activities)
    by_form: list[tuple[str, int]]  # (form's label, activities)
    by_topic: list[tuple[str, int]]  # (focus topic's label, activities)


@dataclass
class Dashboard:
    by_state: list[tuple[str, str, int]]  # (state, label, count) for every state
    total: int
    pending: list[dict]  # 催报: units without a submitted declaration, with their deadline
    flagged: list[Declaration]  # held outside the scheduled month, or summarized late
    today: dt.date
    activities: Activities


def _counts(programme: Programme) -> list[dict]:
    """The programme's declarations counted by state, form, focus topic, month as it stands and
    whether they were ever submitted: one GROUP BY that every count of the dashboard adds up."""
    return list(
        Declaration.objects.filter(programme=programme)
        .annotate(when=Coalesce("scheduled_month", "month"), submitted=Q(first_submitted_at__isnull=False))
        .values("state", "form", "focus_topic", "when", "submitted").annotate(n=Count("pk")).order_by()
    )


def _activities(programme: Programme, rows: list[dict]) -> Activities:
    live = [row for row in rows if row["submitted"] and row["state"] != State.CANCELLED]

    def count(key: str, codes: list) -> list[tuple]:
        totals = dict.fromkeys(codes, 0)
        for row in live:
            totals[row[key]] = totals.get(row[key], 0) + row["n"]
        return [(code, n) for code, n in totals.items() if code in codes or n]  # unknown codes too, after the known

    months = count("when", list(programme.window_months))
    forms = count("form", [f["code"] for f in programme.forms])
    topics = count("focus_topic", [t["code"] for t in programme.focus_topics])
    return Activities(
        by_month=[(f"{month}月" if month else "未填", n) for month, n in months],
        by_form=[(programme.label("forms", code) if code else "未填", n) for code, n in forms],
        by_topic=[(programme.label("focus_topics", code) if code else "未填", n) for code, n in topics],
    )


def dashboard_of(programme: Programme, *, today: dt.date) -> Dashboard:
    """What the office's dashboard shows of a programme (office people only: the caller checks)."""
    rows = _counts(programme)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["state"]] = counts.get(row["state"], 0) + row["n"]
    # 催报 is about units without a submitted declaration now: one withdrawn or returned to its
    # unit is a draft again, and its unit is back on the list.
    submitted = Declaration.objects.filter(programme=programme).exclude(state__in=[State.DRAFTED, State.CANCELLED])
    live = Declaration.objects.filter(programme=programme, unit=OuterRef("pk")).exclude(state=State.CANCELLED)
    extension = DeadlineExtension.objects.filter(programme=programme, unit=OuterRef("pk"))
    pending_units = list(
        units_expected_to_declare().exclude(pk__in=submitted.values("unit_id"))
        .annotate(draft_id=Subquery(live.values("pk")[:1]), draft_state=Subquery(live.values("state")[:1]),
                  extended_until=Subquery(extension.values("until")[:1]))
        .order_by("kind", "code")
    )
    sealing = awaiting_seal(unit.draft_id for unit in pending_units if unit.draft_id)
    pending = []
    for unit in pending_units:
        deadline = unit.extended_until or programme.declaration_due_date
        days_left = (deadline - today).days if deadline else None
        pending.append({"unit": unit, "deadline": deadline, "days_left": days_left,
                        "overdue": -days_left if days_left is not None else None,
                        "state": state_label(unit.draft_state, awaiting_seal=unit.draft_id in sealing) if unit.draft_state else ""})
    held = Declaration.objects.filter(programme=programme, held_on__isnull=False).select_related("unit", "programme")
    flagged = [d for d in held.order_by("unit__code") if d.held_outside_schedule or d.summary_late]
    return Dashboard(
        by_state=[(value, label, counts.get(value, 0)) for value, label in State.choices],
        total=sum(counts.values()), pending=pending, flagged=flagged, today=today,
        activities=_activities(programme, rows),
    )


# ------------------------------------------------------------------ schedule and calendar

def units_expected_to_declare() -> QuerySet[Unit]:
    """Every department and subdistrict: the notice asks each to declare one activity (四).

    The dashboard's 催报 list and the schedule's warnings both start from here.
    """
    return Unit.objects.exclude(kind=UnitKind.OFFICE)


@dataclass
class ScheduleBoard:
    """What the office scheduler works on: four queries whatever the number of rows."""

    programme: Programme
    reviewed: list[Declaration]  # waiting to be scheduled, at their declared month
    placed: list[Declaration]  # already on the schedule
    units_without: list[Unit]  # expected to declare, nothing reviewed or scheduled (`.live_state`)
    versions: list[ScheduleVersion]

    def load(self, chosen: dict[int, int]) -> list[schedule.MonthLoad]:
        """Activities per window month, with `chosen` months (declaration id → month) for the reviewed ones."""
        months = [chosen.get(d.pk, d.month) for d in self.reviewed] + [d.scheduled_month for d in self.placed]
        return schedule.month_load(months, window=self.programme.window_months)

    def warnings(self, load: list[schedule.MonthLoad]) -> list[str]:
        return schedule.schedule_warnings(
            load=load,
            units_of_activities=[d.unit.name for d in [*self.reviewed, *self.placed]],
            units_without=[
                (u.name, f"申报状态：{State(u.live_state).label}" if u.live_state else "尚未申报") for u in self.units_without
            ],
            themes_per_unit=self.programme.themes_per_unit, clause=self.programme.clause("deadline", "四"),
        )


def schedule_board(user: User, programme: Programme) -> ScheduleBoard:
    visible = declarations_visible_to(user, programme=programme)
    on_schedule = Declaration.objects.filter(programme=programme, state__in=[State.REVIEWED, *PLACED])
    live = Declaration.objects.filter(programme=programme, unit=OuterRef("pk")).exclude(state=State.CANCELLED)
    return ScheduleBoard(
        programme=programme,
        reviewed=list(visible.filter(state=State.REVIEWED).order_by("unit__kind", "unit__code")),
        placed=list(visible.filter(state__in=PLACED).order_by("scheduled_month", "unit__kind", "unit__code")),
        units_without=list(
            units_expected_to_declare().exclude(pk__in=on_schedule.values("unit_id"))
            .annotate(live_state=Subquery(live.values("state")[:1])).order_by("kind", "code")
        ),
        versions=list(
            ScheduleVersion.objects.filter(programme=programme).select_related("published_by").order_by("-number")
        ),
    )


def calendar_of(user: User, programme: Programme) -> list[tuple[int, list[Declaration]]]:
    """The year's activities `user` may see, by window month (one query).

    Scheduled ones at their scheduled month; reviewed ones, not yet scheduled, at their
    declared month (`tentative`). The visibility rule is `declarations_visible_to`: the
    office sees every unit, a unit its own activities only.
    """
    activities = (
        declarations_visible_to(user, programme=programme)
        .filter(state__in=[State.REVIEWED, *PLACED])
        .annotate(calendar_month=Coalesce("scheduled_month", "month"))
        .order_by("calendar_month", "unit__kind", "unit__code")
    )
    by_month: dict[int, list[Declaration]] = {m: [] for m in programme.window_months}
    for d in activities:
        d.tentative = d.state == State.REVIEWED
        by_month.setdefault(d.calendar_month, []).append(d)
    return sorted(by_month.items())


def audit_search(
    user: User, *, unit: str | None = None, declaration: int | None = None, actor: str | None = None,
    action: str | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None,
    event_ids: Iterable[int] | None = None,
) -> QuerySet[AuditEvent]:
    """The assessor's audit search, latest first: `audit_events_visible_to` narrowed by
    unit code, declaration id, actor username, action, local dates (both inclusive) and
    event ids. Used by the API, the audit search page and its exports alike.
    """
    qs = audit_events_visible_to(user)
    if unit:
        qs = qs.filter(unit__code=unit)
    if declaration:
        qs = qs.filter(declaration_id=declaration)
    if actor:
        qs = qs.filter(actor__username=actor)
    if action:
        qs = qs.filter(action=action)
    if date_from:
        qs = qs.filter(created_at__gte=day_start(date_from))
    if date_to:
        qs = qs.filter(created_at__lt=day_start(date_to + dt.timedelta(days=1)))
    if event_ids is not None:
        qs = qs.filter(pk__in=list(event_ids))
    return qs.order_by("-pk")  # as appended (created_at is the business time)


def day_start(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the site's time zone (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

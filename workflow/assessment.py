"""The performance assessment (绩效考核), computed from the audit trail and the declarations.

Nothing here is typed in: every automatic indicator is a rule over facts that SQL
aggregates out of `AuditEvent` (grouped by declaration and action) and the declaration rows; the manual indicators are the
assessor's `evaluate` scores. The programme's `assessment_scheme` says which indicators
count and how much (a 2024 scheme is data, not code); this module only maps an
indicator code to its rule function.

A scoreboard costs a fixed number of queries whatever the number of units or events:
the units (with their deadline extensions), the declarations, two GROUP BYs over the events.

Every point is traceable: each `IndicatorScore` names the audit events it stands on
(the submit event, the approve and any return events, the hold event, …), all of them
events of that unit.

Units see their own breakdown only after the office releases the results
(`assessment_release`, audited as "release_results"); the office and assessors see all.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, NamedTuple

from django.db import connection, transaction
from django.db.models import Aggregate, CharField, Max, Min, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from policies.indicators import NONE_, ONE, ZERO, Context, Facts, Indicator, Rule, number, points, rule_for, scheme_indicators
from policies.models import Programme
from units.models import Unit
from units.roles import REVIEW, SCHEDULE
from workflow import audit
from workflow.errors import NotFound, PermissionRefused
from workflow.models import AuditEvent, DeadlineExtension, Declaration, State
from workflow.permissions import is_office
from workflow.selectors import units_expected_to_declare, units_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NOT_DECLARED = "未申报"

# The actions the indicators stand on; every other event is left out of the GROUP BY.
SUBMIT, RETURN, APPROVE = "submit", "return", "approve"
SCHEDULED_MONTH_ACTIONS = ("schedule", "reschedule")
HOLD, SUMMARIZE, MARK_EXEMPLARY, EVALUATE = "hold", "summarize", "mark_exemplary", "evaluate"
GRANT_EXTENSION = "grant_extension"
COUNTED_ACTIONS = (SUBMIT, RETURN, APPROVE, *SCHEDULED_MONTH_ACTIONS, HOLD, SUMMARIZE, MARK_EXEMPLARY, EVALUATE, GRANT_EXTENSION)


# ------------------------------------------------------------------ results


class IndicatorScore(NamedTuple):
    """One cell of the scoreboard: a NamedTuple, immutable like the dataclasses here and light to
    build, since a scoreboard builds one per unit and indicator."""

    code: str
    label: str
    weight: Decimal
    fraction: Fraction  # 0..1, exact
    points: Decimal  # weight × fraction, rounded half up to 0.01
    event_ids: tuple[int, ...]  # the audit events this indicator stands on (all of this unit)
    basis: str  # what the rule saw, in Chinese


@dataclass(frozen=True)
class UnitScore:
    rank: int
    unit_id: int
    unit_code: str
    unit_name: str
    declaration_id: int | None  # None: the unit never submitted a declaration
    state: str  # the declaration's state, "" when none
    total: Decimal  # the sum of the shown (rounded) points, so the breakdown adds up
    indicators: tuple[IndicatorScore, ...]

    @property
    def state_label(self) -> str:
        return State(self.state).label if self.state else NOT_DECLARED

    def indicator(self, code: str) -> IndicatorScore:
        for item in self.indicators:
            if item.code == code:
                return item
        raise KeyError(code)

    @property
    def event_ids(self) -> tuple[int, ...]:
        return tuple(sorted({pk for item in self.indicators for pk in item.event_ids}))


@dataclass(frozen=True)
class Scoreboard:
    programme_id: int
    programme_code: str
    programme_name: str
    indicators: tuple[Indicator, ...]
    max_total: Decimal
    units: tuple[UnitScore, ...]  # best first; ties share a rank and are ordered by unit code
    problems: tuple[str, ...] = ()  # scheme problems (unknown codes, bad weights), reported not fatal

    def unit(self, unit_id: int) -> UnitScore:
        for row in self.units:
            if row.unit_id == unit_id:
                return row
        raise KeyError(unit_id)

    def as_dict(self) -> dict:
        """Plain JSON-ready data: per unit, per indicator points and the event ids behind them."""
        return {
            "programme": {"code": self.programme_code, "name": self.programme_name},
            "max_total": number(self.max_total),
            "indicators": [
                {
                    "code": i.code, "label": i.label, "weight": number(i.weight), "kind": i.kind,
                    "max": number(i.max) if i.max is not None else None, "clause": i.clause, "known": i.known,
                }
                for i in self.indicators
            ],
            "problems": list(self.problems),
            "units": [
                {
                    "rank": row.rank,
                    "unit": {"id": row.unit_id, "code": row.unit_code, "name": row.unit_name},
                    "declaration_id": row.declaration_id,
                    "state": row.state,
                    "state_label": row.state_label,
                    "total": number(row.total),
                    "indicators": [
                        {
                            "code": s.code, "label": s.label, "weight": number(s.weight),
                            "fraction": round(float(s.fraction), 4), "points": number(s.points),
                            "event_ids": list(s.event_ids), "basis": s.basis,
                        }
                        for s in row.indicators
                    ],
                }
                for row in self.units
            ],
        }

    def digest(self) -> str:
        """SHA-256 of the canonical JSON: the same scores give the same digest."""
        return hashlib.sha256(audit.canonical_json(self.as_dict()).encode()).hexdigest()


# ------------------------------------------------------------------ facts from SQL


class IdList(Aggregate):
    """The ids of a group's (filtered) rows as "1,5,9": GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL."""

    function = "GROUP_CONCAT"
    name = "IdList"
    output_field = CharField()

    def __init__(self, expression: str = "id", **extra):
        super().__init__(Cast(expression, CharField()), **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        clone = self.copy()  # Aggregate.as_sql wraps self.template in FILTER (WHERE …)
        clone.function, clone.template = "STRING_AGG", "%(function)s(%(distinct)s%(expressions)s, ',')"
        return clone.as_sql(compiler, connection, **extra_context)


_DECLARATION_FIELDS = (
    "id", "unit_id", "state", "scheduled_month", "held_on", "banner_used", "logo_shown", "publicity",
    "participants", "summarized_at", "exemplary", "scores",
)


# The facts of a declaration's events (`Facts.events`): (key, aggregate, column of the events
# grouped by declaration and action, actions). The submit's time and id are its first; approve,
# its first id; schedule (rescheduled or not), hold, summary, exemplary and evaluation, their last.
_EVENT_FACTS = (
    ("first_submit_at", "MIN", "first_at", (SUBMIT,)),
    ("first_submit_id", "MIN", "first_id", (SUBMIT,)),
    ("approve_id", "MIN", "first_id", (APPROVE,)),
    ("schedule_id", "MAX", "last_id", SCHEDULED_MONTH_ACTIONS),
    ("hold_id", "MAX", "last_id", (HOLD,)),
    ("summarize_id", "MAX", "last_id", (SUMMARIZE,)),
    ("exemplary_id", "MAX", "last_id", (MARK_EXEMPLARY,)),
    ("evaluate_id", "MAX", "last_id", (EVALUATE,)),
)


def _event_facts(events) -> dict[int, dict]:
    """`Facts.events` of every declaration of `events`, in two GROUP BYs in one statement: by
    declaration and action with plain aggregates (the first and last id, the first time), then
    by declaration over those few rows, one filtered aggregate per fact."""
    inner, params = (
        events.values("declaration_id", "action").order_by()
        .annotate(first_id=Min("id"), last_id=Max("id"), first_at=Min("created_at"))
        .query.sql_with_params()
    )
    columns, outer = [], []
    for key, function, column, actions in _EVENT_FACTS:
        columns.append(f"{function}({column}) FILTER (WHERE action IN ({', '.join(['%s'] * len(actions))})) AS {key}")
        outer.extend(actions)
    keys = [key for key, *_rest in _EVENT_FACTS]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT declaration_id, {', '.join(columns)} FROM ({inner}) events GROUP BY declaration_id",
                       [*outer, *params])
        rows = cursor.fetchall()
    # The ORM's converter for a DateTimeField where the backend has one (SQLite: the MIN of a
    # timestamp comes back as text); PostgreSQL's driver already hands back an aware datetime.
    convert = getattr(connection.ops, "convert_datetimefield_value", None)
    if convert is not None:
        at = keys.index("first_submit_at") + 1
        rows = [(*row[:at], convert(row[at], None, connection), *row[at + 1:]) for row in rows]
    return {row[0]: dict(zip(keys, row[1:], strict=True)) for row in rows}


def _facts(programme: Programme, unit_ids: Sequence[int] | None = None) -> list[Facts]:
    """Four queries, whatever the number of units and events.

    The programme's units are every department and subdistrict, plus any other unit
    that declared (units are not tied to a programme otherwise); each unit row carries
    its deadline extension and the last grant event (an index probe on unit and action).
    The events are grouped by declaration and action with plain aggregates, then by declaration
    (`_event_facts`); the return events' ids come from a second, small GROUP BY (why not one
    GROUP BY: docs/benchmarks.md, the assessment).
    """
    declared = Declaration.objects.filter(programme=programme).exclude(state=State.CANCELLED)
    events = AuditEvent.objects.filter(programme=programme, action__in=COUNTED_ACTIONS, declaration__isnull=False)
    units = units_expected_to_declare() | Unit.objects.filter(pk__in=declared.values("unit_id"))
    if unit_ids is not None:
        declared = declared.filter(unit_id__in=unit_ids)
        events = events.filter(unit_id__in=unit_ids)
        units = units.filter(pk__in=unit_ids)
    units = list(
        units.order_by("code").annotate(
            extension_until=Subquery(
                DeadlineExtension.objects.filter(programme=programme, unit_id=OuterRef("pk")).values("until")[:1]
            ),
            extension_event_id=Subquery(
                AuditEvent.objects.filter(
                    unit_id=OuterRef("pk"), action=GRANT_EXTENSION, programme=programme, declaration__isnull=True,
                ).order_by("-id").values("id")[:1]
            ),
        ).values_list("id", "code", "name", "short_name", "extension_until", "extension_event_id", named=True)
    )
    # Drafts never submitted stay inside the unit (DESIGN §3): they count as not declared.
    declarations = {
        row["unit_id"]: row
        for row in declared.filter(first_submitted_at__isnull=False).order_by().values(*_DECLARATION_FIELDS)
    }
    by_declaration = _event_facts(events)
    for declaration_id, ids in (
        events.filter(action=RETURN).values("declaration_id").order_by().annotate(ids=IdList("id"))
        .values_list("declaration_id", "ids")
    ):
        by_declaration.setdefault(declaration_id, {})["return_ids"] = ids
    facts = []
    for unit in units:
        declaration = declarations.get(unit.id)
        facts.append(Facts(
            unit=unit, declaration=declaration, events=by_declaration.get(declaration["id"], {}) if declaration else {},
        ))
    return facts


# ------------------------------------------------------------------ the scheme


# ------------------------------------------------------------------ computing


def _cells(rule: Rule, ctx: Context, declared: Sequence[Facts]) -> list[IndicatorScore]:
    """One indicator's cell for every declared unit, in one pass over them.

    The points of a fraction are computed once: ONE and NONE_, which most rules return
    themselves, by identity; any other share by its numerator and denominator.
    """
    code, label, weight = ctx.indicator.code, ctx.indicator.label, ctx.indicator.weight
    full, zero, shares = points(weight, ONE), points(weight, NONE_), {}
    cells = []
    for facts in declared:
        fraction, event_ids, basis = rule(facts, ctx)
        if fraction is ONE:
            got = full
        elif fraction is NONE_:
            got = zero
        else:
            key = fraction.numerator, fraction.denominator
            got = shares.get(key)
            if got is None:
                got = shares[key] = points(weight, fraction)
        if len(event_ids) > 1:
            event_ids = tuple(sorted(event_ids))
        cells.append(IndicatorScore(code, label, weight, fraction, got, event_ids, basis))
    return cells


def assess_programme(programme: Programme, *, unit_ids: Sequence[int] | None = None) -> Scoreboard:
    """The scoreboard of every unit of `programme`, best first. Reads only; 4 queries.

    `unit_ids` limits the computation to those units (ranks are then among them only).
    The work goes indicator by indicator (`_cells`: one rule, one context, one pass over
    the declared units); a unit without a declaration gets each indicator's blank cell.
    """
    indicators, problems = scheme_indicators(programme)
    everyone = _facts(programme, unit_ids)
    declared = [facts for facts in everyone if facts.declaration is not None]
    banner_rule = programme.banner_rule
    blanks, columns = [], []
    for indicator in indicators:
        rule = rule_for(indicator)
        blank = IndicatorScore(
            code=indicator.code, label=indicator.label, weight=indicator.weight, fraction=NONE_,
            points=points(indicator.weight, NONE_), event_ids=(),
            basis=NOT_DECLARED if rule else "无计算规则，未计分",
        )
        blanks.append(blank)
        if rule is None:
            columns.append([blank] * len(declared))
        else:
            columns.append(_cells(rule, Context(programme=programme, indicator=indicator, banner_rule=banner_rule), declared))
    cells = dict(zip([facts.unit.id for facts in declared], zip(*columns, strict=True), strict=True))  # unit id → its cells, in scheme order
    blanks = tuple(blanks)
    rows = []
    for facts in everyone:
        scores = cells.get(facts.unit.id, blanks)
        rows.append((facts, scores, sum([s.points for s in scores], ZERO)))
    rows.sort(key=lambda row: (-row[2], row[0].unit.code))
    units, rank, previous = [], 0, None
    for position, (facts, scores, total) in enumerate(rows, start=1):
        if total != previous:
            rank, previous = position, total
        units.append(UnitScore(
            rank=rank, unit_id=facts.unit.id, unit_code=facts.unit.code, unit_name=facts.unit.name,
            declaration_id=facts.declaration["id"] if facts.declaration else None,
            state=facts.declaration["state"] if facts.declaration else "", total=total, indicators=scores,
        ))
    return Scoreboard(
        programme_id=programme.pk, programme_code=programme.code, programme_name=programme.name,
        indicators=indicators, max_total=sum((i.weight for i in indicators if i.known), ZERO),
        units=tuple(units), problems=problems,
    )


# ------------------------------------------------------------------ release (service) and reading (selector)

RELEASE_ACTION = "release_results"


def may_release(user: User) -> bool:
    return bool(user and user.is_authenticated and user.is_active) and (user.has_perm(REVIEW) or user.has_perm(SCHEDULE))


def assessment_release(*, programme: Programme, by: User, now: dt.datetime | None = None) -> Programme:
    """The office (reviewer or scheduler) releases the results: units may now see their breakdown.

    Audited on the global chain with the digest and every unit's total as released, so a
    later change of the numbers is visible against this event. Releasing twice is a no-op.
    """
    if not may_release(by):
        raise PermissionRefused("只有区政务公开办审核或统筹人员可以发布考核结果。")
    with transaction.atomic():
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        if locked.results_released_at is None:
            at = now or timezone.now()
            board = assess_programme(locked)
            audit.record(
                action=RELEASE_ACTION, actor=by, programme=locked, at=at,
                changed={
                    "results_released_at": [None, at], "digest": board.digest(),
                    "totals": {row.unit_code: str(row.total) for row in board.units},
                },
            )
            locked.results_released_at = at
            locked.save(update_fields=["results_released_at"])
    programme.results_released_at = locked.results_released_at
    return locked


NOT_RELEASED = "区政务公开办尚未发布本年度考核结果。"
# One answer for a unit that does not exist and a unit the person may not see.
UNIT_NOT_FOUND = "未找到该单位的考核结果，或您无权查看。"


def assessment_for(user: User, programme: Programme, unit: Unit | int | None = None) -> Scoreboard:
    """What `user` may see of the programme's assessment.

    Office people and assessors: every unit (or just `unit`). A unit's people: their own
    unit(s) only, and only once the results are released. Anything else — another
    unit, an unknown unit, before release — is NotFound (404), like every object one may
    not see.
    """
    if not (user and user.is_authenticated and user.is_active):
        raise NotFound()
    unit_id = unit.pk if isinstance(unit, Unit) else unit
    if unit_id is not None:
        try:
            unit_id = int(unit_id)
        except (TypeError, ValueError):
            raise NotFound() from None
    if is_office(user):
        wanted = None
    else:
        mine = set(units_of(user).values_list("pk", flat=True))
        if unit_id is not None and unit_id not in mine:
            raise NotFound(UNIT_NOT_FOUND)
        if not mine:
            raise NotFound()
        released = Programme.objects.filter(pk=programme.pk).values_list("results_released_at", flat=True).first()
        if released is None:
            raise NotFound(NOT_RELEASED)
        wanted = mine
    board = assess_programme(programme)
    if unit_id is not None:
        wanted = {unit_id}
    if wanted is None:
        return board
    rows = tuple(row for row in board.units if row.unit_id in wanted)
    if not rows:
        raise NotFound(UNIT_NOT_FOUND)
    return dataclasses.replace(board, units=rows)


def indicator_scores_for(declaration: Declaration) -> tuple[IndicatorScore, ...]:
    """The computed indicators of one declaration's unit, e.g. beside the evaluation form.

    No permission check: call it for a declaration the caller already fetched through
    `selectors.declaration_get` with the evaluate permission.
    """
    board = assess_programme(declaration.programme, unit_ids=[declaration.unit_id])
    return board.unit(declaration.unit_id).indicators

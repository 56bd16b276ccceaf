"""The assessment's indicators (绩效考核): the programme's scheme, and one rule per automatic
indicator, as pure functions over plain facts (DESIGN §6-7).

A rule reads `Facts` — the unit, its declaration's row and the aggregates of its audit events,
as plain values — and answers an `Outcome`: the share of the indicator's weight earned, the ids
of the events it stands on, and its basis in Chinese. `workflow.assessment` reads the facts out
of the database and adds the points up. A new year's scheme is data (`Programme.assessment_scheme`);
a new kind of automatic indicator is one function here, in `RULES`, with its Chinese description
in `AUTOMATIC_INDICATORS` (what the programme editor offers; a test keeps the two equal).
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING

from django.utils import timezone

from policies import holding, rules

if TYPE_CHECKING:  # policies.models reads the indicator codes from here
    from policies.models import Programme

ZERO = Decimal("0")
CENT = Decimal("0.01")

AUTO = "auto"
MANUAL = "manual"
KIND_LABELS = {AUTO: "自动计算", MANUAL: "评估打分"}

# code → what is computed (shown in the editor's select and in error messages)
AUTOMATIC_INDICATORS: dict[str, str] = {
    "declared_on_time": "按时申报（截止日期或批准的延期前首次报送）",
    "approved_without_return": "一次审核通过（审核通过前未被退回）",
    "held_in_scheduled_month": "按计划月份举办",
    "banner_compliant": "会标规范（实际使用的会标符合会标规则）",
    "logo_shown": "现场展示LOGO",
    "publicity_channels": "宣传渠道覆盖（按使用的渠道占比计分）",
    "participant_breadth": "参与人员广泛（按参与的人员类别占比计分）",
    "summary_on_time": "按时总结（举办后规定天数内提交总结）",
    "exemplary": "形成典型经验（被认定为典型经验）",
}


@dataclass(frozen=True)
class Indicator:
    """One indicator of the programme's scheme, as the scoreboard uses it."""

    code: str
    label: str
    weight: Decimal
    kind: str  # "auto" | "manual"
    max: Decimal | None = None  # manual indicators: the top score the assessor may give
    clause: str = ""
    known: bool = True  # False: no rule for this code; reported in Scoreboard.problems, scores 0


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the rules read about one unit's declaration: its row and its event aggregates."""

    unit: tuple  # (id, code, name, short_name, extension_until, extension_event_id): a values_list(named=True) row
    declaration: dict | None  # values() row of the live, submitted declaration
    events: dict  # the GROUP BY row of its events (empty when none)


@dataclass(frozen=True)
class Context:
    """What a rule reads besides the unit's facts; built once per indicator, not per unit."""

    programme: Programme
    indicator: Indicator
    banner_rule: rules.BannerRule


Outcome = tuple[Fraction, tuple[int, ...], str]  # fraction, event ids, basis
Rule = Callable[[Facts, Context], Outcome]


def _ids(text: str | None) -> tuple[int, ...]:
    return tuple(sorted(int(part) for part in text.split(","))) if text else ()


def number(value: Decimal) -> int | float:
    """A decimal as JSON writes it: an integer when it is whole."""
    return int(value) if value == value.to_integral_value() else float(value)


ONE, NONE_ = Fraction(1), Fraction(0)
_share = functools.cache(Fraction)  # k of n channels or categories: a handful of fractions, each built once


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value, rules.SHANGHAI)


def _day(value: dt.date) -> str:
    """`value` as strftime's %Y-%m-%d writes it (the year unpadded); a scoreboard writes thousands."""
    return f"{value.year}-{value.month:02d}-{value.day:02d}"


def declared_on_time(f: Facts, ctx: Context) -> Outcome:
    """First submit event before the end of the due date, or of the unit's extension."""
    submitted_at, submit_id = f.events.get("first_submit_at"), f.events.get("first_submit_id")
    if not submit_id:
        return NONE_, (), "未报送申报表"
    due = ctx.programme.declaration_due_date
    local = _local(submitted_at)
    when = f"首次报送于{_day(local)} {local.hour:02d}:{local.minute:02d}"
    if due is None:
        return ONE, (submit_id,), f"{when}（方案未设申报截止日期）"
    if submitted_at < rules.deadline_end(due):
        return ONE, (submit_id,), f"{when}，截止日期{_day(due)}"
    until, extension_id = f.unit.extension_until, f.unit.extension_event_id
    evidence = (submit_id, extension_id) if extension_id else (submit_id,)
    if until and submitted_at < rules.deadline_end(max(due, until)):
        return ONE, evidence, f"{when}，在批准的延期{_day(until)}之前"
    return NONE_, evidence, f"{when}，晚于截止日期{_day(max(due, until) if until else due)}"


def approved_without_return(f: Facts, ctx: Context) -> Outcome:
    """Approved, and no return event before the approve event.

    A declaration can only be returned while submitted, i.e. before approval, so every
    return event of an approved declaration came before its approve event.
    """
    approve_id, return_ids = f.events.get("approve_id"), _ids(f.events.get("return_ids"))
    returns = len(return_ids)
    if not approve_id:
        return NONE_, return_ids, "尚未审核通过" + (f"（已退回{returns}次）" if returns else "")
    if returns:
        return NONE_, tuple(sorted((approve_id, *return_ids))), f"审核通过前被退回{returns}次"
    return ONE, (approve_id,), "一次审核通过"


def _hold(f: Facts) -> int | None:
    return f.events.get("hold_id") if f.declaration and f.declaration["held_on"] else None


def held_in_scheduled_month(f: Facts, ctx: Context) -> Outcome:
    hold_id = _hold(f)
    if not hold_id:
        return NONE_, (), "尚未举办"
    held_on, month = f.declaration["held_on"], f.declaration["scheduled_month"]
    evidence = tuple(pk for pk in (f.events.get("schedule_id"), hold_id) if pk)
    basis = f"计划{month}月举办，实际举办日期{_day(held_on)}" if month else f"未排期，实际举办日期{_day(held_on)}"
    ok = holding.held_in_month(held_on, month=month, year=ctx.programme.year)
    return (ONE if ok else NONE_), evidence, basis


def banner_compliant(f: Facts, ctx: Context) -> Outcome:
    hold_id = _hold(f)
    if not hold_id:
        return NONE_, (), "尚未举办"
    used = f.declaration["banner_used"]
    aliases = (f.unit.short_name,) if f.unit.short_name else ()
    problems = rules.check_banner(
        used, unit_name=f.unit.name, year=ctx.programme.year, rule=ctx.banner_rule, unit_aliases=aliases,
    )
    if problems:
        return NONE_, (hold_id,), f"实际会标“{used}”不规范：{problems[0].message}"
    return ONE, (hold_id,), f"实际会标“{used}”符合规定"


def logo_shown(f: Facts, ctx: Context) -> Outcome:
    hold_id = _hold(f)
    if not hold_id:
        return NONE_, (), "尚未举办"
    if f.declaration["logo_shown"]:
        return ONE, (hold_id,), "现场展示了LOGO"
    return NONE_, (hold_id,), "现场未展示LOGO"


def publicity_channels(f: Facts, ctx: Context) -> Outcome:
    """The share of the programme's publicity channels used at least once."""
    hold_id = _hold(f)
    if not hold_id:
        return NONE_, (), "尚未举办"
    channels = ctx.programme.publicity_channels
    entries = f.declaration["publicity"] if isinstance(f.declaration["publicity"], list) else []
    used = {entry.get("channel") for entry in entries if isinstance(entry, dict)}
    hit = [c["label"] for c in channels if c["code"] in used]
    if not channels:
        return NONE_, (hold_id,), "方案未规定宣传渠道"
    return _share(len(hit), len(channels)), (hold_id,), f"使用{len(hit)}/{len(channels)}个渠道：{'、'.join(hit) or '无'}"


def participant_breadth(f: Facts, ctx: Context) -> Outcome:
    """The share of the programme's participant categories with at least one person."""
    hold_id = _hold(f)
    if not hold_id:
        return NONE_, (), "尚未举办"
    categories = ctx.programme.participant_categories
    counts = f.declaration["participants"] if isinstance(f.declaration["participants"], dict) else {}
    present = [c["label"] for c in categories if _positive(counts.get(c["code"]))]
    if not categories:
        return NONE_, (hold_id,), "方案未规定参与人员类别"
    return _share(len(present), len(categories)), (hold_id,), f"{len(present)}/{len(categories)}类人员参与：{'、'.join(present) or '无'}"


def _positive(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and value > 0


def summary_on_time(f: Facts, ctx: Context) -> Outcome:
    """Summarized (local date) no later than held_on + the programme's summary_due_days."""
    summarize_id, hold_id = f.events.get("summarize_id"), _hold(f)
    if not (summarize_id and hold_id and f.declaration["summarized_at"]):
        return NONE_, (), "尚未提交总结"
    held_on = f.declaration["held_on"]
    due = holding.summary_due(held_on, ctx.programme.summary_due_days)
    done = _local(f.declaration["summarized_at"]).date()
    basis = f"{_day(held_on)}举办，{_day(done)}总结（期限{_day(due)}）"
    late = holding.summary_late(held_on, done, ctx.programme.summary_due_days)
    return (NONE_ if late else ONE), (hold_id, summarize_id), basis


def exemplary(f: Facts, ctx: Context) -> Outcome:
    marked_id = f.events.get("exemplary_id")
    if f.declaration and f.declaration["exemplary"] and marked_id:
        return ONE, (marked_id,), "被认定为典型经验"
    return NONE_, ((marked_id,) if marked_id else ()), ("典型经验认定已撤销" if marked_id else "未被认定为典型经验")


def manual_score(f: Facts, ctx: Context) -> Outcome:
    """Any manual indicator: the assessor's score (evaluate) divided by the indicator's max."""
    evaluate_id, top = f.events.get("evaluate_id"), ctx.indicator.max
    scores = f.declaration["scores"] if f.declaration and isinstance(f.declaration["scores"], dict) else {}
    raw = scores.get(ctx.indicator.code)
    if not evaluate_id or raw is None:
        return NONE_, (), "尚未评估打分"
    fraction, basis = _graded(raw, top) if isinstance(raw, str | int | float) else _grade(raw, top)
    return fraction, (evaluate_id,), basis


def _grade(raw, top: Decimal | None) -> tuple[Fraction, str]:
    """A score as typed by the assessor, as a share of the indicator's max (clamped to 0..1), and its basis."""
    score = decimal(raw)
    if score is None or not top:
        return NONE_, f"评估分“{raw}”无法计分"
    fraction = NONE_ if score <= 0 else ONE if score >= top else Fraction(score) / Fraction(top)
    return fraction, f"评估打分{number(score)}/{number(top)}"


# The same few scores recur over a thousand units. Typed: 8, 8.0 and True stay apart.
_graded = functools.lru_cache(maxsize=1024, typed=True)(_grade)


RULES: dict[str, Rule] = {
    "declared_on_time": declared_on_time,
    "approved_without_return": approved_without_return,
    "held_in_scheduled_month": held_in_scheduled_month,
    "banner_compliant": banner_compliant,
    "logo_shown": logo_shown,
    "publicity_channels": publicity_channels,
    "participant_breadth": participant_breadth,
    "summary_on_time": summary_on_time,
    "exemplary": exemplary,
}


def decimal(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def scheme_indicators(programme: Programme) -> tuple[tuple[Indicator, ...], tuple[str, ...]]:
    """The programme's indicators and the problems found in its scheme (never raises)."""
    indicators: list[Indicator] = []
    problems: list[str] = []
    seen: set[str] = set()
    raw = programme.assessment_scheme.get("indicators", []) if isinstance(programme.assessment_scheme, dict) else []
    for position, item in enumerate(raw if isinstance(raw, list) else [], start=1):
        if not isinstance(item, dict) or not item.get("code"):
            problems.append(f"第{position}项考核指标缺少指标代码，未计分。")
            continue
        code, label = str(item["code"]), str(item.get("label") or item["code"])
        if code in seen:
            problems.append(f"考核指标代码“{code}”重复，只计第一项。")
            continue
        seen.add(code)
        weight = decimal(item.get("weight"))
        if weight is None or weight < 0:
            problems.append(f"考核指标“{label}”的权重“{item.get('weight')}”无效，按0分计。")
            weight = ZERO
        kind = item.get("kind", "auto")
        top = decimal(item.get("max")) if kind == "manual" else None
        known = True
        if kind == "manual":
            if top is None or top <= 0:
                problems.append(f"评估打分指标“{label}”缺少有效的满分（max），未计分。")
                known = False
        elif code not in RULES:
            problems.append(f"考核指标“{label}”（{code}）没有对应的计算规则，未计分。")
            known = False
        indicators.append(Indicator(
            code=code, label=label, weight=weight, kind=kind, max=top, clause=str(item.get("clause") or ""), known=known,
        ))
    return tuple(indicators), tuple(problems)


def rule_for(indicator: Indicator) -> Rule | None:
    if not indicator.known:
        return None
    return manual_score if indicator.kind == "manual" else RULES[indicator.code]


def points(weight: Decimal, fraction: Fraction) -> Decimal:
    """An indicator's points: its weight × the share earned, rounded half up to 0.01."""
    exact = Fraction(weight) * fraction
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)

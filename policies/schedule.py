"""How the office reads a draft schedule: the load per month and the warnings.

Plain functions over plain values (no database). Warnings never block publishing —
only a month outside the window does (`rules.check_month`); they tell the scheduler
what a district office would want to look at twice, in Chinese, citing the notice.

A month is *crowded* when it holds at least 2 activities and more than
`CROWDED_FACTOR` (1.5) times the mean over the window's months: with 16 activities
over April–November (mean 2) a month with 4 is crowded, one with 3 is not; a single
activity never is.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from policies.rules import cite

CROWDED_FACTOR = 1.5
CROWDED_MINIMUM = 2


@dataclass(frozen=True)
class MonthLoad:
    month: int
    count: int
    crowded: bool


def month_load(months: Iterable[int], *, window: Sequence[int]) -> list[MonthLoad]:
    """Activities per window month (months outside the window are not counted)."""
    counts = Counter(m for m in months if m in window)
    mean = sum(counts.values()) / len(window) if window else 0
    return [
        MonthLoad(m, counts[m], counts[m] >= CROWDED_MINIMUM and counts[m] > CROWDED_FACTOR * mean)
        for m in window
    ]


def schedule_warnings(
    *,
    load: Sequence[MonthLoad],
    units_of_activities: Iterable[str],
    units_without: Iterable[tuple[str, str]],
    themes_per_unit: int,
    clause: str = "四",
) -> list[str]:
    """The scheduler's warnings, in the order a reader acts on them.

    `units_of_activities`: the unit name of every activity on the schedule (one entry each);
    `units_without`: (unit name, what it has instead, e.g. "尚未报送") for every unit that
    should declare but has no activity on the schedule.
    """
    warnings = []
    total = sum(m.count for m in load)
    mean = total / len(load) if load else 0
    for m in load:
        if m.crowded:
            warnings.append(
                f"{m.month}月安排了{m.count}项活动，超过各月平均数（{mean:.1f}项）的{CROWDED_FACTOR:g}倍，建议分散到其他月份。"
            )
    for unit, count in sorted(Counter(units_of_activities).items()):
        if count > themes_per_unit:
            warnings.append(
                f"{unit}有{count}项活动，每个单位确定{themes_per_unit}个活动主题（{cite(clause)}）。"
            )
    for unit, status in units_without:
        warnings.append(f"{unit}没有列入安排表的活动（{status}）。")
    return warnings

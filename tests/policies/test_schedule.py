"""The schedule's load per month and warnings, on plain values."""
from __future__ import annotations

from policies.schedule import month_load, schedule_warnings

WINDOW = list(range(4, 12))


def test_a_month_is_crowded_above_one_and_a_half_times_the_mean_with_at_least_two():
    months = [5] * 4 + [6] * 3 + [4, 7, 8, 9, 10, 11] + [4, 7, 8]  # 16 over 8 months: mean 2
    load = {m.month: (m.count, m.crowded) for m in month_load(months, window=WINDOW)}
    assert load[5] == (4, True)
    assert load[6] == (3, False)  # 3 is exactly 1.5 × 2: not above
    assert load[4] == (2, False)


def test_a_single_activity_never_crowds_its_month_and_months_outside_the_window_do_not_count():
    load = month_load([5, 12, 3], window=WINDOW)
    assert [(m.month, m.count, m.crowded) for m in load if m.count] == [(5, 1, False)]


def test_warnings_name_the_crowded_month_the_unit_with_two_activities_and_the_unit_without_one():
    load = month_load([5, 5, 6], window=WINDOW)
    warnings = schedule_warnings(
        load=load, units_of_activities=["开福区教育局", "开福区教育局", "开福区民政局"],
        units_without=[("开福区卫生健康局", "尚未申报")], themes_per_unit=1,
    )
    assert warnings == [
        "5月安排了2项活动，超过各月平均数（0.4项）的1.5倍，建议分散到其他月份。",
        "开福区教育局有2项活动，每个单位确定1个活动主题（《实施方案》四）。",
        "开福区卫生健康局没有列入安排表的活动（尚未申报）。",
    ]


def test_a_balanced_complete_schedule_has_no_warning():
    load = month_load(WINDOW, window=WINDOW)
    assert schedule_warnings(load=load, units_of_activities=[f"单位{m}" for m in WINDOW], units_without=[], themes_per_unit=1) == []

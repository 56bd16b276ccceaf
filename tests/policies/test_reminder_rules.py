"""Working days and the reminder rules, as plain functions (no database)."""
from __future__ import annotations

import datetime as dt

from policies import reminders, workdays

D = dt.date


def test_working_days_follow_the_state_councils_2023_calendar():
    assert workdays.is_working_day(D(2023, 4, 23))  # a Sunday made a working day (劳动节调休)
    assert not workdays.is_working_day(D(2023, 5, 1))  # Labour Day
    assert not workdays.is_working_day(D(2023, 4, 5))  # Qingming
    assert not workdays.is_working_day(D(2023, 4, 8))  # an ordinary Saturday


def test_working_days_skip_the_labour_day_holiday():
    # Friday 2023-04-28: the next working days are Thursday 4 May (after the 29 April – 3 May holiday),
    # then Saturday 6 May (调休), then Monday 8 May.
    assert workdays.add_working_days(D(2023, 4, 28), 1) == D(2023, 5, 4)
    assert workdays.add_working_days(D(2023, 4, 28), 3) == D(2023, 5, 6)
    assert workdays.add_working_days(D(2023, 4, 28), 0) == D(2023, 4, 28)
    assert workdays.working_days_between(D(2023, 4, 28), D(2023, 5, 8)) == 4
    assert workdays.working_days_between(D(2023, 5, 8), D(2023, 5, 8)) == 0


def test_month_end():
    assert workdays.month_end(2023, 2) == D(2023, 2, 28)
    assert workdays.month_end(2024, 2) == D(2024, 2, 29)
    assert workdays.month_end(2023, 12) == D(2023, 12, 31)


def test_the_declaration_reminder_is_the_tightest_threshold_reached():
    thresholds = [7, 3, 1]
    assert reminders.declaration_reminder(8, thresholds) is None
    assert reminders.declaration_reminder(7, thresholds) == 7
    assert reminders.declaration_reminder(5, thresholds) == 7  # the job missed day 7: still one reminder for it
    assert reminders.declaration_reminder(2, thresholds) == 3
    assert reminders.declaration_reminder(0, thresholds) == 1  # the last day
    assert reminders.declaration_reminder(-1, thresholds) is None  # past the deadline: the office urges by hand
    assert reminders.declaration_reminder(1, []) is None


def test_waiting_reminder_then_escalation():
    rule = {"remind_after": 3, "escalate_after": 5}
    assert reminders.waiting_reminder(2, **rule) is None
    assert reminders.waiting_reminder(3, **rule) == "remind"
    assert reminders.waiting_reminder(5, **rule) == "escalate"
    assert reminders.waiting_reminder(9, remind_after=0, escalate_after=0) is None


def test_due_reminders_and_the_inbox_light():
    due = D(2023, 5, 31)
    assert reminders.due_reminder(due, D(2023, 5, 20), days_before=7) is None
    assert reminders.due_reminder(due, D(2023, 5, 24), days_before=7) == "soon"
    assert reminders.due_reminder(due, D(2023, 6, 1), days_before=7) == "overdue"
    assert reminders.light(due, D(2023, 5, 20)) == "green"
    assert reminders.light(due, D(2023, 5, 28)) == "yellow"
    assert reminders.light(due, D(2023, 6, 1)) == "red"
    assert reminders.light(None, D(2023, 6, 1)) == ""

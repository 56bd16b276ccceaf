"""When a reminder is due (DESIGN §9): plain values in, a decision out.

The thresholds are the programme's data (`Programme.declaration_reminder_days`, …); the daily
job (`workflow.reminders`) applies these rules and sends each reminder once per cause.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

# A task whose due date is this many days away or fewer is lit yellow (临近到期); past it, red.
DUE_SOON_DAYS = 3


def declaration_reminder(days_left: int, thresholds: Sequence[int]) -> int | None:
    """The 催报 threshold reached with `days_left` days to the deadline: the smallest of
    `thresholds` (days before the deadline, e.g. 7, 3, 1) not below it, so a day the job did not
    run is caught up by one reminder, not several. None before the first threshold and after the
    deadline."""
    if days_left < 0:
        return None
    reached = [t for t in thresholds if days_left <= t]
    return min(reached) if reached else None


def waiting_reminder(waited: int, *, remind_after: int, escalate_after: int) -> str | None:
    """催办 of a task that has waited `waited` working days: "escalate" (remind again, with a
    copy to the office) from `escalate_after` on, "remind" from `remind_after` on, else None.
    A threshold of 0 turns that reminder off."""
    if escalate_after and waited >= escalate_after:
        return "escalate"
    if remind_after and waited >= remind_after:
        return "remind"
    return None


def due_reminder(due: dt.date, today: dt.date, *, days_before: int) -> str | None:
    """A reminder before a due date (holding by the month's end, the summary): "overdue" once it
    has passed, "soon" within `days_before` days of it, else None."""
    days_left = (due - today).days
    if days_left < 0:
        return "overdue"
    if days_left <= days_before:
        return "soon"
    return None


def light(due: dt.date | None, today: dt.date) -> str:
    """The inbox's colour for a task due on `due` (亮灯): red overdue, yellow due within
    `DUE_SOON_DAYS` days, green otherwise; "" without a due date."""
    if due is None:
        return ""
    if due < today:
        return "red"
    if (due - today).days <= DUE_SOON_DAYS:
        return "yellow"
    return "green"


"""Working days in mainland China (工作日): Monday to Friday, less the public holidays, plus the
weekend days the State Council makes working days (调休补班).

The calendar is the `holidays` package's China (it follows the State Council's yearly notice and
is released every month); chinesecalendar, the other candidate, stopped at the last year it knew
and refuses any later date. A year the package does not know yet counts its computed public
holidays without make-up days.
"""
from __future__ import annotations

import datetime as dt
import functools

import holidays

ONE_DAY = dt.timedelta(days=1)


@functools.lru_cache(maxsize=32)
def _china(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year)


def is_working_day(day: dt.date) -> bool:
    return _china(day.year).is_working_day(day)


def add_working_days(start: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `start` (`start` itself not counted); `start` for 0."""
    day = start
    while count > 0:
        day += ONE_DAY
        if is_working_day(day):
            count -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not later)."""
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        if is_working_day(day):
            count += 1
    return count


def month_end(year: int, month: int) -> dt.date:
    """The last day of `month` in `year`."""
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - ONE_DAY

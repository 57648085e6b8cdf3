"""When standing orders fall due: pure functions of dates, no I/O.

An order's occurrences are numbered from 0. Once: occurrence 0 is its first date. Weekly: the
first date plus 7 days per occurrence. Monthly on a day: that day of each month, from the first
such date on or after the first date; a month without it (the 31st in April, the 29th to 31st in
February) uses its last day, and the month after is on the day again (the 31st, the 28th or 29th,
the 31st). An end date (inclusive) or a count ends the schedule.

Dates are the bank's: a day begins at midnight in Europe/Dublin, whatever UTC says (GMT in
winter, IST = UTC+1 in summer), so an order due on the 1st runs from 00:00 Irish time, which is
23:00 UTC on the last day of the month before in summer.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

BANK_TIME_ZONE = ZoneInfo("Europe/Dublin")
Frequency = str  # 'once' | 'weekly' | 'monthly'


@dataclass(frozen=True)
class Schedule:
    frequency: Frequency
    first_date: date
    day_of_month: int | None = None  # monthly only
    end_date: date | None = None
    max_count: int | None = None


def bank_date(moment: datetime) -> date:
    """The bank's calendar date at an instant (which must carry its time zone)."""
    if moment.tzinfo is None:
        raise ValueError("a moment without a time zone")
    return moment.astimezone(BANK_TIME_ZONE).date()


def _month_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _unbounded(schedule: Schedule, index: int) -> date | None:
    if schedule.frequency == "once":
        return schedule.first_date if index == 0 else None
    if schedule.frequency == "weekly":
        return schedule.first_date + timedelta(weeks=index)
    # Monthly: each month's date from the day, never from the month before (no drift after February).
    assert schedule.day_of_month is not None
    first = schedule.first_date
    # The first month whose occurrence is on or after the first date.
    start = 0 if _month_day(first.year, first.month, schedule.day_of_month) >= first else 1
    months = first.year * 12 + first.month - 1 + start + index
    return _month_day(months // 12, months % 12 + 1, schedule.day_of_month)


def occurrence(schedule: Schedule, index: int) -> date | None:
    """The date of occurrence `index` (from 0), or None past the schedule's end."""
    if schedule.frequency not in ("once", "weekly", "monthly"):
        raise ValueError(f"unknown frequency {schedule.frequency!r}")
    if index < 0 or (schedule.max_count is not None and index >= schedule.max_count):
        return None
    try:
        when = _unbounded(schedule, index)
    except (OverflowError, ValueError):  # past 9999-12-31: the calendar ends the schedule
        return None
    if when is None or (schedule.end_date is not None and when > schedule.end_date):
        return None
    return when


def first_index_on_or_after(schedule: Schedule, day: date, from_index: int) -> int:
    """The first occurrence at or after `from_index` that falls on `day` or later (an index past
    the end when none does): where a resumed order picks up, skipping what fell while paused."""
    index = from_index
    while (when := occurrence(schedule, index)) is not None and when < day:
        index += 1
    return index


def retry_at(now: datetime, attempts: int, max_attempts: int, retry_minutes: int) -> datetime | None:
    """When to try an occurrence refused for insufficient funds again, after `attempts` tries: a
    later attempt the same bank day, or None when it has had its tries or the day is over."""
    if attempts >= max_attempts:
        return None
    later = now + timedelta(minutes=retry_minutes)
    return later if bank_date(later) == bank_date(now) else None

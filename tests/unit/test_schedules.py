"""When standing orders fall due (shared/schedules.py): pure date arithmetic, no I/O."""

from datetime import UTC, date, datetime

import pytest

from shared.schedules import Schedule, bank_date, first_index_on_or_after, occurrence, retry_at


def dates(schedule: Schedule, n: int = 14) -> list[date]:
    found = [occurrence(schedule, index) for index in range(n)]
    return [when for when in found if when is not None]


@pytest.mark.parametrize(("schedule", "expected"), [
    # Monthly on the 31st: the last day of shorter months, then the 31st again.
    (Schedule("monthly", date(2027, 1, 31), 31, max_count=5),
     [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30), date(2027, 5, 31)]),
    # A leap year's February has its 29th.
    (Schedule("monthly", date(2028, 1, 31), 31, max_count=3),
     [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]),
    (Schedule("monthly", date(2028, 1, 29), 29, max_count=3),
     [date(2028, 1, 29), date(2028, 2, 29), date(2028, 3, 29)]),
    (Schedule("monthly", date(2027, 1, 29), 29, max_count=3),
     [date(2027, 1, 29), date(2027, 2, 28), date(2027, 3, 29)]),
    # The 30th in February, then back on the 30th.
    (Schedule("monthly", date(2027, 1, 30), 30, max_count=3),
     [date(2027, 1, 30), date(2027, 2, 28), date(2027, 3, 30)]),
    # A first date after the month's day: the first payment is next month's.
    (Schedule("monthly", date(2027, 1, 20), 5, max_count=2), [date(2027, 2, 5), date(2027, 3, 5)]),
    # A first date before it: this month's.
    (Schedule("monthly", date(2027, 1, 2), 5, max_count=2), [date(2027, 1, 5), date(2027, 2, 5)]),
    # Across the year end.
    (Schedule("monthly", date(2027, 11, 15), 15, max_count=3),
     [date(2027, 11, 15), date(2027, 12, 15), date(2028, 1, 15)]),
    # The 31st from February on: February's last day first.
    (Schedule("monthly", date(2027, 2, 1), 31, max_count=3),
     [date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]),
    # An end date is inclusive.
    (Schedule("monthly", date(2027, 1, 31), 31, end_date=date(2027, 4, 30)),
     [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]),
    (Schedule("monthly", date(2027, 1, 31), 31, end_date=date(2027, 4, 29)),
     [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]),
    # Weekly: every 7 days, across the spring DST change (28 March 2027) and a month end.
    (Schedule("weekly", date(2027, 3, 22), max_count=3), [date(2027, 3, 22), date(2027, 3, 29), date(2027, 4, 5)]),
    (Schedule("weekly", date(2027, 12, 27), end_date=date(2028, 1, 10)),
     [date(2027, 12, 27), date(2028, 1, 3), date(2028, 1, 10)]),
    (Schedule("weekly", date(2028, 2, 22), max_count=2), [date(2028, 2, 22), date(2028, 2, 29)]),
    # Once: the first date only.
    (Schedule("once", date(2027, 6, 1)), [date(2027, 6, 1)]),
])
def test_each_schedule_falls_on_the_dates_a_customer_expects(schedule, expected):
    assert dates(schedule) == expected


def test_a_count_ends_the_schedule_after_that_many_payments():
    schedule = Schedule("weekly", date(2027, 1, 4), max_count=2)
    assert occurrence(schedule, 1) == date(2027, 1, 11)
    assert occurrence(schedule, 2) is None
    assert occurrence(schedule, -1) is None


def test_an_open_ended_monthly_order_keeps_its_day_for_years():
    schedule = Schedule("monthly", date(2027, 1, 31), 31)
    assert occurrence(schedule, 12 * 10 + 1) == date(2037, 2, 28)
    assert occurrence(schedule, 12 * 13 + 1) == date(2040, 2, 29)


@pytest.mark.parametrize(("utc", "dublin_date"), [
    # Winter (GMT): the bank's day is UTC's.
    (datetime(2027, 1, 31, 23, 59, tzinfo=UTC), date(2027, 1, 31)),
    (datetime(2027, 2, 1, 0, 0, tzinfo=UTC), date(2027, 2, 1)),
    # Summer (IST, UTC+1): 23:00 UTC is already tomorrow in Dublin.
    (datetime(2027, 6, 30, 22, 59, tzinfo=UTC), date(2027, 6, 30)),
    (datetime(2027, 6, 30, 23, 0, tzinfo=UTC), date(2027, 7, 1)),
    # The spring change (01:00 UTC on 28 March 2027) and the autumn one (01:00 UTC on 31 October 2027).
    (datetime(2027, 3, 27, 23, 30, tzinfo=UTC), date(2027, 3, 27)),
    (datetime(2027, 3, 28, 23, 30, tzinfo=UTC), date(2027, 3, 29)),
    (datetime(2027, 10, 30, 23, 30, tzinfo=UTC), date(2027, 10, 31)),
    (datetime(2027, 10, 31, 23, 30, tzinfo=UTC), date(2027, 10, 31)),
])
def test_the_day_is_the_banks_in_europe_dublin_whatever_utc_says(utc, dublin_date):
    assert bank_date(utc) == dublin_date


def test_a_moment_without_a_time_zone_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        bank_date(datetime(2027, 1, 1, 12, 0))


@pytest.mark.parametrize(("now", "attempts", "expected"), [
    # Two hours later, the same bank day: try again then.
    (datetime(2027, 1, 5, 7, 0, tzinfo=UTC), 1, datetime(2027, 1, 5, 9, 0, tzinfo=UTC)),
    (datetime(2027, 1, 5, 7, 0, tzinfo=UTC), 2, datetime(2027, 1, 5, 9, 0, tzinfo=UTC)),
    # Its tries are used up.
    (datetime(2027, 1, 5, 7, 0, tzinfo=UTC), 3, None),
    # The bank's day would be over (22:30 UTC + 2 h is tomorrow in winter).
    (datetime(2027, 1, 5, 22, 30, tzinfo=UTC), 1, None),
    # In summer the Irish day ends at 23:00 UTC: 21:30 + 2 h is already tomorrow.
    (datetime(2027, 7, 5, 21, 30, tzinfo=UTC), 1, None),
    (datetime(2027, 7, 5, 20, 30, tzinfo=UTC), 1, datetime(2027, 7, 5, 22, 30, tzinfo=UTC)),
])
def test_an_occurrence_short_of_funds_is_retried_later_the_same_bank_day_only(now, attempts, expected):
    assert retry_at(now, attempts, max_attempts=3, retry_minutes=120) == expected


def test_a_resumed_order_skips_the_payments_that_fell_while_it_was_paused():
    schedule = Schedule("weekly", date(2027, 1, 4), max_count=5)
    assert first_index_on_or_after(schedule, date(2027, 1, 20), 0) == 3  # 4th, 11th, 18th skipped
    assert first_index_on_or_after(schedule, date(2027, 1, 18), 0) == 2  # today's still due
    assert first_index_on_or_after(schedule, date(2027, 1, 18), 3) == 3  # never backwards
    assert occurrence(schedule, first_index_on_or_after(schedule, date(2027, 3, 1), 0)) is None


def test_a_schedule_ends_with_the_calendar_instead_of_failing():
    assert occurrence(Schedule("monthly", date(9999, 12, 15), 15), 1) is None
    assert occurrence(Schedule("weekly", date(9999, 12, 30)), 1) is None

"""The bank's days: a date a customer picks (a history filter, a statement's period) is a day in
Europe/Dublin, where the bank keeps its books, whatever the customer's own zone. A period of days
is the half-open range of instants [start of the first day, start of the day after the last), so
the 25-hour and 23-hour days of the clock changes count exactly what happened on them."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BANK_ZONE = ZoneInfo("Europe/Dublin")


def day_start(day: date) -> datetime:
    """The first instant of the day in Dublin, in UTC (aware datetimes of one zone subtract as wall
    clocks: 29 March would count 24 hours)."""
    return datetime.combine(day, time.min, tzinfo=BANK_ZONE).astimezone(UTC)


def day_after(day: date) -> datetime:
    """The first instant after the day ends in Dublin."""
    return day_start(day + timedelta(days=1))


def bank_time(instant: datetime) -> datetime:
    """An instant on the bank's clock, to be printed (statements)."""
    return instant.astimezone(BANK_ZONE)

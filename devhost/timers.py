"""Timer triggers: NCRONTAB schedules read with croniter, the way the Functions host reads them.

NCRONTAB has six fields, seconds first (``{second} {minute} {hour} {day} {month} {day-of-week}``),
always in UTC here (Azure's default without WEBSITE_TIME_ZONE). The Functions host's other
schedule form, a TimeSpan such as ``00:05:00``, runs on App Service plans only (not on Flex
Consumption) and is refused, like five-field cron.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from croniter import croniter

from devhost.routing import AppConfigError

# An invocation is past due (TimerRequest.past_due) when it stands for occurrences the previous
# run overran, or starts this much after its scheduled second (the process was busy).
PAST_DUE_SECONDS = 1.0


@dataclass
class Timer:
    function_name: str
    schedule: str
    run_on_startup: bool
    target: Any = None  # what the host calls (opaque here)


def check_schedule(function_name: str, schedule: str) -> None:
    """Raises AppConfigError unless ``schedule`` is a six-field NCRONTAB expression."""
    fields = schedule.split()
    if len(fields) != 6 or not croniter.is_valid(schedule, second_at_beginning=True):
        raise AppConfigError(
            f"timer function {function_name!r}: schedule {schedule!r} is not a six-field NCRONTAB expression "
            "(second minute hour day month day-of-week)"
        )


def now() -> datetime:
    return datetime.now(UTC)


def next_after(schedule: str, moment: datetime) -> datetime:
    """The first scheduled second strictly after ``moment``."""
    following: datetime = croniter(schedule, moment, second_at_beginning=True).get_next(datetime)
    return following


def latest_before(schedule: str, moment: datetime) -> datetime:
    """The last scheduled second strictly before ``moment``."""
    previous: datetime = croniter(schedule, moment, second_at_beginning=True).get_prev(datetime)
    return previous

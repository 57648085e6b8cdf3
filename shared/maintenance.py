"""Housekeeping: forget idempotency keys and login throttles once nobody can need them."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.db import Session

# The API promises to remember a key for at least 24 hours; keep two days.
IDEMPOTENCY_KEY_HOURS = 48


def purge_expired(session: "Session", key_hours: int = IDEMPOTENCY_KEY_HOURS) -> tuple[int, int]:
    """Deletes idempotency keys older than key_hours (never under 24) and login throttles whose
    window ended a day ago. Returns how many of each."""
    keys = session.execute("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => %s)",
                           (max(key_hours, 24),))
    throttles = session.execute("DELETE FROM login_throttle WHERE window_started < now() - interval '1 day'")
    return keys, throttles

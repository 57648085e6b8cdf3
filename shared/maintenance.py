"""Housekeeping: forget idempotency keys, login and address throttles, ended sessions and old reset
links once nobody can need them."""

from typing import NamedTuple

from shared.db import Database
from shared.repositories import housekeeping, passwords, sessions, throttle

# The API promises to remember a key for at least 24 hours; keep two days.
IDEMPOTENCY_KEY_HOURS = 48
# An ended session stays a week for anyone looking into a sign-in (the audit trail keeps the rest);
# a used or expired reset link a day.
ENDED_SESSION_HOURS = 7 * 24
RESET_LINK_HOURS = 24


class Purged(NamedTuple):
    idempotency_keys: int
    login_throttles: int
    sessions: int
    reset_links: int
    auth_throttles: int


async def purge_expired(db: Database, key_hours: int = IDEMPOTENCY_KEY_HOURS) -> Purged:
    """Deletes idempotency keys older than key_hours (never under 24), login throttles whose
    window ended a day ago, address and (username, address) throttles whose window ended, sessions
    ended a week ago and reset links expired a day ago.
    Temporary passwords stay: their row is what keeps an expired one from signing anyone in."""
    async with db.unit_of_work() as uow:
        purged = Purged(
            await housekeeping.delete_idempotency_keys_older_than(uow, max(key_hours, 24)),
            await housekeeping.delete_stale_login_throttles(uow),
            await sessions.purge_ended(uow, ENDED_SESSION_HOURS),
            await passwords.purge_ended(uow, RESET_LINK_HOURS),
            await throttle.purge_ended(uow))
        await uow.commit()
    return purged

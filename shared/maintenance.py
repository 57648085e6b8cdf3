"""Housekeeping: forget idempotency keys and login throttles once nobody can need them."""

from shared.db import Database
from shared.repositories import housekeeping

# The API promises to remember a key for at least 24 hours; keep two days.
IDEMPOTENCY_KEY_HOURS = 48


async def purge_expired(db: Database, key_hours: int = IDEMPOTENCY_KEY_HOURS) -> tuple[int, int]:
    """Deletes idempotency keys older than key_hours (never under 24) and login throttles whose
    window ended a day ago. Returns how many of each."""
    async with db.unit_of_work() as uow:
        keys = await housekeeping.delete_idempotency_keys_older_than(uow, max(key_hours, 24))
        throttles = await housekeeping.delete_stale_login_throttles(uow)
        await uow.commit()
    return keys, throttles

"""Forgetting what nobody can need any more."""

from shared.db import UnitOfWork


async def delete_idempotency_keys_older_than(uow: UnitOfWork, hours: int) -> int:
    return await uow.execute("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => %s)",
                             (hours,))


async def delete_stale_login_throttles(uow: UnitOfWork) -> int:
    return await uow.execute("DELETE FROM login_throttle WHERE window_started < now() - interval '1 day'")

"""The address and (username, address) counters: one statement spends an attempt in a fixed
window, shared by every instance, and a window that ended starts again at one."""

import asyncio
import secrets

from shared.repositories import throttle


def spend(run, runtime, bucket: str, window: int = 60) -> throttle.Spent:
    async def once() -> throttle.Spent:
        async with runtime.db.unit_of_work() as uow:
            return await throttle.spend(uow, bucket, window)
    return run(once())


def test_each_attempt_counts_once_in_its_window_with_the_seconds_left(run, runtime):
    bucket = throttle.address_bucket(f"84.203.17.{secrets.randbelow(250)}-{secrets.token_hex(3)}")
    counts = [spend(run, runtime, bucket, 60) for _ in range(3)]
    assert [spent.attempts for spent in counts] == [1, 2, 3]
    assert all(0 < spent.retry_after_seconds <= 60 for spent in counts)


def test_concurrent_attempts_are_all_counted(run, runtime):
    bucket = throttle.address_bucket("test-" + secrets.token_hex(4))

    async def many() -> list[throttle.Spent]:
        async def one() -> throttle.Spent:
            async with runtime.db.unit_of_work() as uow:
                return await throttle.spend(uow, bucket, 60)
        return await asyncio.gather(*(one() for _ in range(8)))
    assert sorted(spent.attempts for spent in run(many())) == list(range(1, 9))


def test_a_window_that_ended_starts_again_at_one(run, runtime, sql):
    bucket = throttle.pair_bucket("someone", "test-" + secrets.token_hex(4))
    for _ in range(4):
        spend(run, runtime, bucket, 60)
    sql.execute("UPDATE auth_throttle SET window_started = now() - interval '60 seconds' WHERE bucket = %s", (bucket,))
    assert spend(run, runtime, bucket, 60).attempts == 1

"""Attempt counters in fixed windows (table auth_throttle), shared by every instance.

Buckets are named by what they count: `addr:<client address>` (every anonymous sign-in,
registration and reset request from one address) and `login:<username>|<client address>`
(sign-ins for one username from one address). An address never holds '|', so the last one
separates the two. `vop:<user id>` counts one customer's Verification of Payee checks.
"""

from dataclasses import dataclass
from uuid import UUID

from shared.db import UnitOfWork


def address_bucket(client_address: str) -> str:
    return "addr:" + client_address


def pair_bucket(username_key: str, client_address: str) -> str:
    return f"login:{username_key}|{client_address}"


def payee_check_bucket(user_id: UUID) -> str:
    """Verification of Payee checks by one customer (issue 16), whatever address they come from."""
    return f"vop:{user_id}"


def pair_prefix(username_key: str) -> str:
    """What every pair bucket of a username starts with (a staff unlock clears them all)."""
    return f"login:{username_key}|"


# One attempt spent in the bucket's window, or the first of a new window once it ended. The
# parameters are named %(<name>_bucket)s and %(<name>_window)s, so several can share a statement;
# `source` (a FROM ... WHERE ...) spends it only when its query finds a row.
def spend_cte(name: str, source: str = "") -> str:
    return f"""{name} AS (
    INSERT INTO auth_throttle AS t (bucket, attempts, window_seconds, window_started)
    SELECT %({name}_bucket)s, 1, %({name}_window)s, now() {source}
    ON CONFLICT (bucket) DO UPDATE SET
        attempts = CASE WHEN t.window_started + make_interval(secs => t.window_seconds) <= now()
                        THEN 1 ELSE t.attempts + 1 END,
        window_seconds = CASE WHEN t.window_started + make_interval(secs => t.window_seconds) <= now()
                              THEN excluded.window_seconds ELSE t.window_seconds END,
        window_started = CASE WHEN t.window_started + make_interval(secs => t.window_seconds) <= now()
                              THEN now() ELSE t.window_started END
    RETURNING attempts,
              greatest(1, ceil(extract(epoch FROM window_started + make_interval(secs => window_seconds)
                                                  - now())))::int AS retry_after
)"""


_SPEND = "WITH " + spend_cte("spent") + " SELECT attempts, retry_after FROM spent"


@dataclass(frozen=True)
class Spent:
    attempts: int  # in the current window, this one included
    retry_after_seconds: int  # until the window ends


async def spend(uow: UnitOfWork, bucket: str, window_seconds: int) -> Spent:
    """Counts one attempt in the bucket and commits it (alone in the unit, one round trip)."""
    row = await uow.commit_with(_SPEND, {"spent_bucket": bucket, "spent_window": window_seconds})
    assert row is not None
    return Spent(row["attempts"], row["retry_after"])


async def forget(uow: UnitOfWork, buckets: list[str]) -> int:
    return await uow.execute("DELETE FROM auth_throttle WHERE bucket = ANY(%s)", (buckets,))


async def forget_prefixed(uow: UnitOfWork, prefix: str) -> int:
    return await uow.execute("DELETE FROM auth_throttle WHERE starts_with(bucket, %s)", (prefix,))


async def purge_ended(uow: UnitOfWork) -> int:
    """Rows whose window ended: the next attempt would start a new one anyway."""
    return await uow.execute("DELETE FROM auth_throttle"
                             " WHERE window_started + make_interval(secs => window_seconds) <= now()")

"""Second factors (migration 0017): a user's authenticator-app secret (encrypted by the caller,
never read in clear here), their recovery codes (digests only) and their consecutive failures."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from shared.db import Reader, UnitOfWork


@dataclass(frozen=True)
class TotpRow:
    secret: bytes  # AES-GCM nonce + ciphertext
    confirmed_at: datetime | None
    last_time_step: int | None


@dataclass(frozen=True)
class FailureState:
    failures: int
    blocked_seconds: int  # 0 when not blocked for a while
    blocks: int  # blocks in a row, this one included
    locked: bool  # blocked until the bank unblocks it


@dataclass(frozen=True)
class BlockState:
    seconds: int  # the temporary block's time left, 0 when there is none
    blocks: int  # blocks in a row so far
    locked: bool


async def totp_of(db: Reader, user_id: UUID, *, lock: bool = False) -> TotpRow | None:
    query = ("SELECT secret, confirmed_at, last_time_step FROM totp_factors WHERE user_id = %s FOR UPDATE" if lock
             else "SELECT secret, confirmed_at, last_time_step FROM totp_factors WHERE user_id = %s")
    row = await db.fetch_one(query, (user_id,))
    return TotpRow(bytes(row["secret"]), row["confirmed_at"], row["last_time_step"]) if row is not None else None


async def put_pending_totp(uow: UnitOfWork, user_id: UUID, secret: bytes) -> None:
    """A new enrolment, replacing one not confirmed yet; does nothing over a confirmed factor."""
    await uow.execute(
        "INSERT INTO totp_factors (user_id, secret) VALUES (%s, %s) ON CONFLICT (user_id) DO UPDATE"
        " SET secret = EXCLUDED.secret, created_at = now(), last_time_step = NULL"
        " WHERE totp_factors.confirmed_at IS NULL", (user_id, secret))


async def accept_time_step(uow: UnitOfWork, user_id: UUID, time_step: int, *, confirm: bool) -> bool:
    """Records an accepted code's time step; False when that step (or a later one) was used already."""
    return await uow.execute(
        "UPDATE totp_factors SET last_time_step = %s,"
        " confirmed_at = CASE WHEN %s THEN coalesce(confirmed_at, now()) ELSE confirmed_at END"
        " WHERE user_id = %s AND (last_time_step IS NULL OR last_time_step < %s)",
        (time_step, confirm, user_id, time_step)) == 1


async def delete_totp(uow: UnitOfWork, user_id: UUID, *, pending_too: bool = False) -> bool:
    """Removes the user's authenticator app (with `pending_too`, an enrolment not confirmed yet as
    well); whether a confirmed one was removed."""
    row = await uow.fetch_one("DELETE FROM totp_factors WHERE user_id = %s AND (%s OR confirmed_at IS NOT NULL)"
                              " RETURNING confirmed_at IS NOT NULL AS confirmed", (user_id, pending_too))
    return row is not None and bool(row["confirmed"])


async def replace_recovery_codes(uow: UnitOfWork, user_id: UUID, digests: list[bytes]) -> None:
    await uow.execute("DELETE FROM recovery_codes WHERE user_id = %s", (user_id,))
    for digest in digests:
        await uow.execute("INSERT INTO recovery_codes (user_id, code_hash) VALUES (%s, %s)", (user_id, digest))


async def delete_recovery_codes(uow: UnitOfWork, user_id: UUID) -> None:
    await uow.execute("DELETE FROM recovery_codes WHERE user_id = %s", (user_id,))


async def recovery_codes_left(db: Reader, user_id: UUID) -> int:
    row = await db.fetch_one("SELECT count(*) AS n FROM recovery_codes WHERE user_id = %s AND used_at IS NULL",
                             (user_id,))
    return int(row["n"]) if row is not None else 0


async def use_recovery_code(uow: UnitOfWork, user_id: UUID, digest: bytes) -> bool:
    return await uow.execute("UPDATE recovery_codes SET used_at = now() WHERE user_id = %s AND code_hash = %s"
                             " AND used_at IS NULL", (user_id, digest)) == 1


async def block_of(db: Reader, user_id: UUID) -> tuple[datetime | None, bool]:
    """When the user's temporary block ends (None when there is none now) and whether they are locked."""
    row = await db.fetch_one("SELECT CASE WHEN blocked_until > now() THEN blocked_until END AS until,"
                             " locked_at IS NOT NULL AS locked FROM factor_failures WHERE user_id = %s", (user_id,))
    return (row["until"], bool(row["locked"])) if row is not None else (None, False)


async def block_state(uow: UnitOfWork, user_id: UUID) -> BlockState:
    """Whether the user's factors are blocked, for how long, or locked; the row locked meanwhile."""
    row = await uow.fetch_one(
        "SELECT greatest(0, ceil(extract(epoch FROM blocked_until - now())))::int AS seconds, blocks,"
        " locked_at IS NOT NULL AS locked FROM factor_failures WHERE user_id = %s FOR UPDATE", (user_id,))
    if row is None:
        return BlockState(0, 0, False)
    return BlockState(int(row["seconds"] or 0), int(row["blocks"]), bool(row["locked"]))


async def count_failure(uow: UnitOfWork, user_id: UUID, max_failures: int, block_seconds: int,
                        max_blocks: int) -> FailureState:
    """One more consecutive failure; at max_failures the factors are blocked for block_seconds, the
    count starts again and one more block is counted: the max_blocks-th locks them instead."""
    row = await uow.fetch_one(
        "INSERT INTO factor_failures AS f (user_id, failures) VALUES (%(user)s, 1)"
        " ON CONFLICT (user_id) DO UPDATE SET failures = CASE WHEN f.blocked_until > now() THEN f.failures"
        " ELSE f.failures + 1 END RETURNING failures, blocks", {"user": user_id})
    assert row is not None
    failures, blocks = int(row["failures"]), int(row["blocks"])
    if failures < max_failures:
        return FailureState(failures, 0, blocks, False)
    blocks += 1
    locked = blocks >= max_blocks
    await uow.execute(
        "UPDATE factor_failures SET failures = 0, blocks = %(blocks)s,"
        " blocked_until = CASE WHEN %(locked)s THEN NULL ELSE now() + %(seconds)s * interval '1 second' END,"
        " locked_at = CASE WHEN %(locked)s THEN now() END WHERE user_id = %(user)s",
        {"blocks": blocks, "locked": locked, "seconds": block_seconds, "user": user_id})
    return FailureState(failures, 0 if locked else block_seconds, blocks, locked)


async def reset_failures(uow: UnitOfWork, user_id: UUID) -> None:
    """Clears the user's count, blocks and lock."""
    await uow.execute("DELETE FROM factor_failures WHERE user_id = %s", (user_id,))

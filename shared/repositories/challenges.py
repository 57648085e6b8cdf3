"""Challenges of strong authentication (table sca_challenges, migration 0015): issued, then
answered once, under the row's lock, before they expire."""

from typing import Any
from uuid import UUID

from shared.db import Reader, Row, UnitOfWork
from shared.domain import ScaChallenge

_COLUMNS = "id, user_id, purpose, challenge, binding, attempts, created_at, expires_at"


def _challenge(row: Row) -> ScaChallenge:
    return ScaChallenge(**row)


async def insert(uow: UnitOfWork, user_id: UUID | None, purpose: str, challenge: bytes,
                 binding: dict[str, Any] | None, ttl_seconds: int) -> ScaChallenge:
    from psycopg.types.json import Jsonb
    row = await uow.fetch_one(
        "INSERT INTO sca_challenges (user_id, purpose, challenge, binding, expires_at)"
        " VALUES (%s, %s, %s, %s, now() + %s * interval '1 second') RETURNING " + _COLUMNS,
        (user_id, purpose, challenge, Jsonb(binding) if binding is not None else None, ttl_seconds))
    assert row is not None
    return _challenge(row)


async def lock_open(uow: UnitOfWork, challenge_id: UUID, purpose: str) -> ScaChallenge | None:
    """The challenge, locked until the transaction ends, if it is of that purpose, unanswered and
    not expired; None otherwise (saying nothing of which)."""
    row = await uow.fetch_one(
        "SELECT " + _COLUMNS + " FROM sca_challenges WHERE id = %s AND purpose = %s"
        " AND used_at IS NULL AND expires_at > now() FOR UPDATE", (challenge_id, purpose))
    return _challenge(row) if row is not None else None


async def open_for(db: Reader, challenge_id: UUID, purpose: str) -> ScaChallenge | None:
    """The challenge if unanswered and not expired, unlocked (a retry showing a pending one)."""
    row = await db.fetch_one(
        "SELECT " + _COLUMNS + " FROM sca_challenges WHERE id = %s AND purpose = %s"
        " AND used_at IS NULL AND expires_at > now()", (challenge_id, purpose))
    return _challenge(row) if row is not None else None


async def count_attempt(uow: UnitOfWork, challenge_id: UUID) -> int:
    """One more wrong answer to the challenge; the count so far."""
    row = await uow.fetch_one("UPDATE sca_challenges SET attempts = attempts + 1 WHERE id = %s RETURNING attempts",
                              (challenge_id,))
    assert row is not None
    return int(row["attempts"])


async def mark_used(uow: UnitOfWork, challenge_id: UUID) -> None:
    await uow.execute("UPDATE sca_challenges SET used_at = now() WHERE id = %s", (challenge_id,))


async def delete_expired(uow: UnitOfWork) -> int:
    return await uow.execute("DELETE FROM sca_challenges WHERE expires_at < now() - interval '1 day'")


async def pending_payment(uow: UnitOfWork, user_id: UUID, idempotency_key: str) -> ScaChallenge | None:
    """The open payment challenge issued for the user's request under that key, if any."""
    row = await uow.fetch_one(
        "SELECT " + _COLUMNS + " FROM sca_challenges WHERE user_id = %s AND purpose = 'payment'"
        " AND binding ->> 'idempotency_key' = %s AND used_at IS NULL AND expires_at > now()"
        " ORDER BY created_at DESC LIMIT 1", (user_id, idempotency_key))
    return _challenge(row) if row is not None else None

"""Deposits waiting for a second admin (migrations/0012_deposit_approvals.sql), and what a deposit
needs to know about its account before it is taken."""

from dataclasses import dataclass
from uuid import UUID

from shared.db import Reader, Row, UnitOfWork
from shared.domain import DepositApproval

# Every column of an approval as the staff list shows it: account number, holder, maker and checker by name.
_SELECT = """
SELECT d.id, a.number AS account, coalesce(h.full_name, '') AS holder, d.amount, d.currency::text AS currency,
       d.description, m.username AS maker, d.status, d.created_at, c.username AS checker, d.reason,
       d.transfer_id, d.decided_at
  FROM deposit_approvals d
  JOIN accounts a ON a.id = d.account_id
  LEFT JOIN users h ON h.id = a.owner_id
  JOIN users m ON m.id = d.maker_id
  LEFT JOIN users c ON c.id = d.checker_id
"""


def _approval(row: Row) -> DepositApproval:
    return DepositApproval(**row)


@dataclass(frozen=True)
class DepositTarget:
    """The account a deposit is for, with what the rules before post_transfer check."""

    id: int
    number: str
    owner_id: UUID | None
    kind: str
    status: str
    currency: str
    owner_active: bool


async def deposit_target(db: Reader, number: str) -> DepositTarget | None:
    row = await db.fetch_one(
        "SELECT a.id, a.number, a.owner_id, a.kind, a.status, a.currency::text AS currency,"
        " coalesce(u.active, false) AS owner_active"
        " FROM accounts a LEFT JOIN users u ON u.id = a.owner_id WHERE a.number = %s", (number,))
    return DepositTarget(**row) if row is not None else None


async def lock_key(uow: UnitOfWork, user_id: UUID, key: str) -> bool:
    """The Idempotency-Key's lock, the very one post_transfer takes (so a deposit posted now and
    an approval filed now cannot both claim one key); False when another request holds it."""
    row = await uow.fetch_one("SELECT pg_try_advisory_xact_lock(hashtextextended(%s::text || '/' || %s, 0)) AS held",
                              (user_id, key))
    return bool(row and row["held"])


async def key_posted(uow: UnitOfWork, user_id: UUID, key: str) -> bool:
    """Whether the key already names a posted transfer (post_transfer then replays or refuses)."""
    row = await uow.fetch_one("SELECT 1 AS found FROM idempotency_keys WHERE user_id = %s AND key = %s",
                              (user_id, key))
    return row is not None


async def by_key(uow: UnitOfWork, maker_id: UUID, key: str) -> tuple[DepositApproval, bytes] | None:
    """The approval the maker filed under this key, with its request's digest."""
    row = await uow.fetch_one(_SELECT.replace("SELECT d.id", "SELECT d.request_hash, d.id", 1)
                              + " WHERE d.maker_id = %s AND d.idempotency_key = %s", (maker_id, key))
    if row is None:
        return None
    request_hash = bytes(row.pop("request_hash"))
    return _approval(row), request_hash


async def insert(uow: UnitOfWork, target: DepositTarget, amount: int, description: str, maker_id: UUID,
                 key: str, request_hash: bytes) -> DepositApproval:
    row = await uow.fetch_one(
        "INSERT INTO deposit_approvals (account_id, amount, currency, description, maker_id, idempotency_key,"
        " request_hash) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (target.id, amount, target.currency, description, maker_id, key, request_hash))
    assert row is not None
    found = await by_id(uow, row["id"])
    assert found is not None
    return found


async def by_id(db: Reader, approval_id: UUID) -> DepositApproval | None:
    row = await db.fetch_one(_SELECT + " WHERE d.id = %s", (approval_id,))
    return _approval(row) if row is not None else None


@dataclass(frozen=True)
class Locked:
    """A locked approval, with the ids its decision is checked against."""

    approval: DepositApproval
    maker_id: UUID
    account_owner_id: UUID | None


async def lock(uow: UnitOfWork, approval_id: UUID) -> Locked | None:
    """Locks the approval's row until commit: a concurrent approve or reject waits, then sees it decided."""
    row = await uow.fetch_one(
        "SELECT d.maker_id, a.owner_id FROM deposit_approvals d JOIN accounts a ON a.id = d.account_id"
        " WHERE d.id = %s FOR UPDATE OF d", (approval_id,))
    if row is None:
        return None
    approval = await by_id(uow, approval_id)
    assert approval is not None
    return Locked(approval, row["maker_id"], row["owner_id"])


async def decide(uow: UnitOfWork, approval_id: UUID, status: str, checker_id: UUID, reason: str | None,
                 transfer_id: UUID | None) -> DepositApproval:
    """Records the decision (the table's trigger refuses a second one)."""
    await uow.execute(
        "UPDATE deposit_approvals SET status = %s, checker_id = %s, reason = %s, transfer_id = %s,"
        " decided_at = now() WHERE id = %s AND status = 'pending'",
        (status, checker_id, reason, transfer_id, approval_id))
    found = await by_id(uow, approval_id)
    assert found is not None
    return found


# Pending first, then decided; newest first within each. A page continues after (rank, seq).
_PAGE = _SELECT.replace("SELECT d.id", "SELECT (d.status <> 'pending')::int AS rank, d.seq, d.id", 1) + """
 WHERE (%(status)s::text IS NULL OR d.status = %(status)s::text)
   AND ((d.status <> 'pending')::int > %(rank)s
        OR ((d.status <> 'pending')::int = %(rank)s AND d.seq < %(seq)s))
 ORDER BY (d.status <> 'pending')::int, d.seq DESC
 LIMIT %(limit)s
"""


async def page(db: Reader, status: str | None, after: tuple[int, int], limit: int
               ) -> list[tuple[tuple[int, int], DepositApproval]]:
    """((rank, seq), approval) pairs after the position `after`: the last pair's position is the next page's."""
    rows = await db.fetch_all(_PAGE, {"status": status, "rank": after[0], "seq": after[1], "limit": limit})
    return [((row.pop("rank"), row.pop("seq")), _approval(row)) for row in rows]

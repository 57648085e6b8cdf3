"""Payees (table payees, migration 0009), always read and changed through their owner: another
customer's payee id finds nothing. And the holder a Verification of Payee check compares with."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from shared.db import Reader, Row, UnitOfWork
from shared.domain import Payee

_COLUMNS = "id, name, account, reference, trusted, created_at, last_paid_at"


def _payee(row: Row) -> Payee:
    return Payee(**row)


async def of_owner(db: Reader, owner_id: UUID) -> list[Payee]:
    rows = await db.fetch_all("SELECT " + _COLUMNS + " FROM payees WHERE owner_id = %s"
                              " ORDER BY created_at DESC, id", (owner_id,))
    return [_payee(row) for row in rows]


async def owned(db: Reader, owner_id: UUID, payee_id: UUID) -> Payee | None:
    row = await db.fetch_one("SELECT " + _COLUMNS + " FROM payees WHERE id = %s AND owner_id = %s",
                             (payee_id, owner_id))
    return _payee(row) if row is not None else None


async def insert(uow: UnitOfWork, owner_id: UUID, name: str, account: str, reference: str | None,
                 trusted: bool) -> Payee:
    """Raises DuplicateKey('payees_owner_account_key') when the owner saved the account already."""
    row = await uow.fetch_one(
        "INSERT INTO payees (owner_id, name, account, reference, trusted) VALUES (%s, %s, %s, %s, %s)"
        " RETURNING " + _COLUMNS, (owner_id, name, account, reference, trusted))
    assert row is not None
    return _payee(row)


async def update(uow: UnitOfWork, owner_id: UUID, payee_id: UUID, fields: dict[str, Any]) -> Payee | None:
    """Sets the given fields among name, reference and trusted; None when the owner has no such payee."""
    row = await uow.fetch_one(
        "UPDATE payees SET name = CASE WHEN %(set_name)s THEN %(name)s ELSE name END,"
        " reference = CASE WHEN %(set_reference)s THEN %(reference)s ELSE reference END,"
        " trusted = CASE WHEN %(set_trusted)s THEN %(trusted)s ELSE trusted END"
        " WHERE id = %(id)s AND owner_id = %(owner)s RETURNING " + _COLUMNS,
        {"id": payee_id, "owner": owner_id,
         **{f"set_{key}": key in fields for key in ("name", "reference", "trusted")},
         "name": fields.get("name"), "reference": fields.get("reference"), "trusted": fields.get("trusted")})
    return _payee(row) if row is not None else None


async def delete(uow: UnitOfWork, owner_id: UUID, payee_id: UUID) -> bool:
    return await uow.execute("DELETE FROM payees WHERE id = %s AND owner_id = %s", (payee_id, owner_id)) == 1


@dataclass(frozen=True)
class PaidPayee:
    account: str
    name: str


async def for_session(uow: UnitOfWork, payee_id: UUID, session_id: UUID,
                      secret_hash: bytes | None) -> PaidPayee | None:
    """A payee of the session's user (a cookie names only its session), in the transfer's unit of
    work; None when the user has no such payee. The session's liveness is the posting's to
    check, in the same transaction."""
    row = await uow.fetch_one(
        "SELECT p.account, p.name FROM payees p JOIN sessions s ON s.user_id = p.owner_id"
        " WHERE p.id = %(payee)s AND s.id = %(session)s"
        " AND (%(secret)s::bytea IS NULL OR s.secret_hash = %(secret)s::bytea)",
        {"payee": payee_id, "session": session_id, "secret": secret_hash})
    return None if row is None else PaidPayee(**row)


async def lock_for_order(uow: UnitOfWork, owner_id: UUID, payee_id: UUID) -> str | None:
    """The account of the owner's payee, key-share locked until commit (a standing order is being
    set up to it: deleting the payee waits for it, then detaches it); None when there is no such payee."""
    row = await uow.fetch_one("SELECT account FROM payees WHERE id = %s AND owner_id = %s FOR KEY SHARE",
                              (payee_id, owner_id))
    return None if row is None else str(row["account"])


async def lock_for_deletion(uow: UnitOfWork, owner_id: UUID, payee_id: UUID) -> str | None:
    """The account of the owner's payee, locked until commit against orders being set up to it and
    runs paying it; None when there is no such payee."""
    row = await uow.fetch_one("SELECT account FROM payees WHERE id = %s AND owner_id = %s FOR UPDATE",
                              (payee_id, owner_id))
    return None if row is None else str(row["account"])


async def lock_for_run(uow: UnitOfWork, payee_id: UUID) -> str | None:
    """The payee's account, locked until commit, for a standing order's run that holds the order's
    row; None when the payee's row is locked (being deleted, or paid or renamed just now): never
    waited for, so a run and a deletion cannot wait for each other (the deletion locks the payee first)."""
    row = await uow.fetch_one("SELECT account FROM payees WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED",
                              (payee_id,))
    return None if row is None else str(row["account"])


async def mark_paid(uow: UnitOfWork, payee_id: UUID) -> None:
    await uow.execute("UPDATE payees SET last_paid_at = now() WHERE id = %s", (payee_id,))


@dataclass(frozen=True)
class Holder:
    full_name: str


async def holder(db: Reader, account: str) -> Holder | None:
    """The holder of a customer account that can receive money now (active, its owner active):
    what Verification of Payee compares with. None for any other number (unknown, the bank's own
    system account, frozen, closed, or a deactivated holder)."""
    row = await db.fetch_one(
        "SELECT u.full_name FROM accounts a JOIN users u ON u.id = a.owner_id AND u.active"
        " WHERE a.number = %s AND a.kind = 'customer' AND a.status = 'active'", (account,))
    return None if row is None else Holder(row["full_name"])

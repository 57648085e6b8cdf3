"""Accounts: open, read, rename, change status."""

from typing import Any
from uuid import UUID

from shared import account_numbers
from shared.db import Reader, Row, UnitOfWork
from shared.domain import Account, BalanceHistory, BalancePoint

_COLUMNS = "number, name, currency, country, status, balance, created_at"


def _account(row: Row) -> Account:
    return Account(**row)


async def insert(uow: UnitOfWork, owner_id: UUID, name: str, currency: str, country: str) -> Account:
    """Opens an account with a fresh random number (drawing again on the rare collision)."""
    for _ in range(5):
        row = await uow.fetch_one(
            "INSERT INTO accounts (number, owner_id, name, currency, country) VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (number) DO NOTHING RETURNING " + _COLUMNS,
            (account_numbers.generate(), owner_id, name, currency, country),
        )
        if row is not None:
            return _account(row)
    raise RuntimeError("could not draw a free account number")


async def of_owner(db: Reader, owner_id: UUID) -> list[Account]:
    rows = await db.fetch_all("SELECT " + _COLUMNS + " FROM accounts WHERE owner_id = %s ORDER BY id", (owner_id,))
    return [_account(row) for row in rows]


async def owned(db: Reader, owner_id: UUID, number: str) -> Account | None:
    row = await db.fetch_one("SELECT " + _COLUMNS + " FROM accounts WHERE number = %s AND owner_id = %s",
                             (number, owner_id))
    return _account(row) if row is not None else None


async def lock_owned(uow: UnitOfWork, owner_id: UUID, number: str) -> Account | None:
    row = await uow.fetch_one("SELECT " + _COLUMNS + " FROM accounts WHERE number = %s AND owner_id = %s FOR UPDATE",
                              (number, owner_id))
    return _account(row) if row is not None else None


async def lock_customer_account(uow: UnitOfWork, number: str) -> Account | None:
    row = await uow.fetch_one(
        "SELECT " + _COLUMNS + " FROM accounts WHERE number = %s AND kind = 'customer' FOR UPDATE", (number,))
    return _account(row) if row is not None else None


async def lock_of_owner(uow: UnitOfWork, owner_id: UUID) -> list[Account]:
    rows = await uow.fetch_all("SELECT " + _COLUMNS + " FROM accounts WHERE owner_id = %s ORDER BY id FOR UPDATE",
                               (owner_id,))
    return [_account(row) for row in rows]


async def update(uow: UnitOfWork, number: str, fields: dict[str, Any]) -> Account:
    """Sets name, country and status (all three, as given) of one account."""
    row = await uow.fetch_one(
        "UPDATE accounts SET name = %(name)s, country = %(country)s, status = %(status)s"
        " WHERE number = %(number)s RETURNING " + _COLUMNS, {**fields, "number": number})
    assert row is not None
    return _account(row)


async def close_all_of_owner(uow: UnitOfWork, owner_id: UUID) -> None:
    await uow.execute("UPDATE accounts SET status = 'closed' WHERE owner_id = %s", (owner_id,))


async def lock_owner(uow: UnitOfWork, owner_id: UUID) -> str | None:
    """Locks the owner's user row (NO KEY UPDATE: their accounts' foreign keys still check) until
    commit, so their accounts are counted and opened one request at a time; their country."""
    row = await uow.fetch_one("SELECT country FROM users WHERE id = %s FOR NO KEY UPDATE", (owner_id,))
    return str(row["country"]) if row is not None else None


async def owner_of(db: Reader, number: str) -> UUID | None:
    row = await db.fetch_one("SELECT owner_id FROM accounts WHERE number = %s", (number,))
    return row["owner_id"] if row is not None else None


async def count_open(uow: UnitOfWork, owner_id: UUID) -> int:
    """The owner's accounts that are not closed (a statement of its own, after the owner's lock,
    so it sees every account committed before the lock was granted)."""
    row = await uow.fetch_one("SELECT count(*) AS n FROM accounts WHERE owner_id = %s AND status <> 'closed'",
                              (owner_id,))
    assert row is not None
    return int(row["n"])


# One statement, so one snapshot: the balance now and the latest entries agree, and each entry's
# balance after it is the balance now less the entries newer than it (walked back along the
# (account_id, id) index, never the whole history). A LEFT JOIN: an account without entries is
# still one row.
_BALANCE_HISTORY = """
SELECT a.number, a.currency, a.balance AS current_balance, e.created_at, e.amount,
       (a.balance - coalesce(sum(e.amount) OVER (ORDER BY e.id DESC
                                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0))::bigint
           AS balance_after
  FROM accounts a
  LEFT JOIN LATERAL (
        SELECT x.id, x.amount, x.created_at FROM entries x
         WHERE x.account_id = a.id ORDER BY x.id DESC LIMIT %(limit)s) e ON true
 WHERE a.number = %(number)s AND a.owner_id = %(owner)s
 ORDER BY e.id DESC
"""


async def balance_history(db: Reader, owner_id: UUID, number: str, limit: int) -> BalanceHistory | None:
    """The owner's account with its balance after each of its latest `limit` movements; None for
    an account that is not theirs."""
    rows = await db.fetch_all(_BALANCE_HISTORY, {"owner": owner_id, "number": number, "limit": limit + 1})
    if not rows:
        return None
    moved = [row for row in rows if row["created_at"] is not None]
    points = [BalancePoint(row["created_at"], row["amount"], row["balance_after"]) for row in moved[:limit]]
    return BalanceHistory(rows[0]["number"], rows[0]["currency"], rows[0]["current_balance"], points[::-1],
                          complete=len(moved) <= limit)

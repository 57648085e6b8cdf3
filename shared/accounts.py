"""Customer accounts: list, open, read. Only the owner sees an account."""

from typing import TYPE_CHECKING, Any
from uuid import UUID

from shared import account_numbers
from shared.auth import Principal
from shared.errors import AccountNotFound
from shared.models import AccountList, AccountOut, OpenAccountRequest
from shared.money import format_minor

if TYPE_CHECKING:
    from shared.db import Database, Session

ACCOUNT_COLUMNS = "number, name, currency, country, status, balance, created_at"


def parse_account_number(text: str) -> str:
    """The account number in a path, as people type it; AccountNotFound when it cannot be one."""
    number = account_numbers.normalize(text)
    if not account_numbers.is_valid(number):
        raise AccountNotFound("No such account.")
    return number


def account_out(row: dict[str, Any]) -> AccountOut:
    return AccountOut(number=row["number"], name=row["name"], currency=row["currency"],
                      country=row["country"], status=row["status"],
                      balance=format_minor(row["balance"]), created_at=row["created_at"])


def insert_account(session: "Session", owner_id: UUID, name: str, currency: str, country: str) -> AccountOut:
    """Opens an account with a fresh random number (drawing again on the rare collision)."""
    for _ in range(5):
        row = session.fetch_one(
            "INSERT INTO accounts (number, owner_id, name, currency, country) VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (number) DO NOTHING RETURNING " + ACCOUNT_COLUMNS,
            (account_numbers.generate(), owner_id, name, currency, country),
        )
        if row is not None:
            return account_out(row)
    raise RuntimeError("could not draw a free account number")


def list_accounts(db: "Database", principal: Principal) -> AccountList:
    with db.session() as session:
        rows = session.fetch_all(
            "SELECT " + ACCOUNT_COLUMNS + " FROM accounts WHERE owner_id = %s ORDER BY id", (principal.id,))
    return AccountList(items=[account_out(row) for row in rows])


def open_account(db: "Database", principal: Principal, request: OpenAccountRequest) -> AccountOut:
    with db.transaction() as session:
        owner = session.fetch_one("SELECT country FROM users WHERE id = %s", (principal.id,))
        if owner is None:
            raise AccountNotFound("No such user.")
        return insert_account(session, principal.id, request.name, request.currency, owner["country"])


def get_account(db: "Database", principal: Principal, number: str) -> AccountOut:
    """The caller's account; AccountNotFound for any other, so nothing tells that it exists."""
    number = parse_account_number(number)
    with db.session() as session:
        row = session.fetch_one(
            "SELECT " + ACCOUNT_COLUMNS + " FROM accounts WHERE number = %s AND owner_id = %s",
            (number, principal.id))
    if row is None:
        raise AccountNotFound("No such account.")
    return account_out(row)

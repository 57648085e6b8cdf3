"""Statements of account (issue 16): the opening balance, every entry of a period with the
running balance, the totals in and out and the closing balance, all read in one snapshot."""

from datetime import UTC, datetime
from uuid import UUID

from shared import audit, periods
from shared.auth import Principal
from shared.db import Database
from shared.domain import Statement, StatementLine
from shared.errors import AccountNotFound, ValidationFailed
from shared.models import StatementQuery
from shared.repositories import statements

# A statement is one file: beyond this many entries the period must be shorter (about 100 PDF pages).
MAX_LINES = 5000


async def statement(db: Database, owner_id: UUID | None, number: str, query: StatementQuery) -> Statement:
    """The owner's account's statement (any customer account's when owner_id is None: staff);
    AccountNotFound for an account that is not the owner's."""
    since, until = periods.day_start(query.from_), periods.day_after(query.to)
    async with db.snapshot() as read:
        account = await statements.account(read, number, owner_id)
        if account is None:
            raise AccountNotFound("No such account.")
        moved_since = await statements.moved_since(read, account["id"], since)
        rows = await statements.lines(read, account["id"], since, until, MAX_LINES + 1)
    if len(rows) > MAX_LINES:
        raise ValidationFailed([("to", f"the period holds more than {MAX_LINES} entries: choose a shorter one")])
    opening = account["balance"] - moved_since
    balance, lines = opening, []
    for row in rows:
        balance += row["amount"]
        lines.append(StatementLine(**row, balance=balance))
    return Statement(account=account["number"], account_name=account["name"], holder=account["holder"],
                     currency=account["currency"], first_day=query.from_, last_day=query.to,
                     opening_balance=opening, closing_balance=balance,
                     paid_in=sum(line.amount for line in lines if line.amount > 0),
                     paid_out=-sum(line.amount for line in lines if line.amount < 0),
                     lines=lines, produced_at=datetime.now(UTC))


async def staff_statement(db: Database, staff: Principal, number: str, query: StatementQuery,
                          correlation_id: str) -> Statement:
    """Any customer account's statement, for staff; the audit trail records who took it."""
    result = await statement(db, None, number, query)
    async with db.unit_of_work() as uow:
        await audit.record(uow, staff, "account.statement", "account", number,
                           {"from": query.from_.isoformat(), "to": query.to.isoformat(), "format": query.format},
                           correlation_id)
        await uow.commit()
    return result

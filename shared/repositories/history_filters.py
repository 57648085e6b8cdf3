"""What the history filters mean, as SQL conditions on one account's entries (the `e` of the
history query's per-account scan, shared/repositories/history.py).

- `from`, `to`: Europe/Dublin days, both included (shared/periods.py; `since` and `until` here,
  the instants that bound them): a range of the
  (account_id, created_at, id) index the scan walks, so a period in the past costs no more than
  the newest one.
- `min_amount`, `max_amount`: the entry's size whichever way it went, decimal text like every
  amount of the API ("12.50"), both included.
- `direction`: `in` (credits) or `out` (debits).
- `counterparty`: the other account's number; served by the (account_id, counterparty_account_id,
  created_at, id) index. Or one of the owner's payees (`counterparty_payee`), resolved to its
  account inside the same query; a payee id the owner does not have (unknown, deleted, someone
  else's) matches nothing: an empty page, as an account never traded with gives.
- `q`: text inside the transfer's description, any letter case; `%` and `_` are literal.
  Checked on the rows the account+time walk reads: without pg_trgm (the embedded PostgreSQL of
  the tests ships no contrib), a trigram index could not be tested here, and a page costs about
  page size / share of matching rows in the period; the period bounds it.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString
from uuid import UUID


@dataclass(frozen=True)
class EntryFilter:
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    min_amount: int | None = None
    max_amount: int | None = None
    direction: str | None = None
    counterparty: str | None = None
    counterparty_payee: UUID | None = None  # one of the owner's payees (the query's %(owner)s)
    text: str | None = None


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def conditions(matching: EntryFilter) -> tuple[LiteralString, dict[str, Any]]:
    """SQL to append to the scan's WHERE (each piece starts with AND), and its parameters. Only
    fixed text is ever joined; every value is a bound parameter."""
    sql: LiteralString = ""
    params: dict[str, Any] = {}
    if matching.since is not None:
        sql += " AND e.created_at >= %(f_since)s"
        params["f_since"] = matching.since
    if matching.until is not None:
        sql += " AND e.created_at < %(f_until)s"
        params["f_until"] = matching.until
    if matching.min_amount is not None:
        sql += " AND abs(e.amount) >= %(f_min)s"
        params["f_min"] = matching.min_amount
    if matching.max_amount is not None:
        sql += " AND abs(e.amount) <= %(f_max)s"
        params["f_max"] = matching.max_amount
    if matching.direction == "in":
        sql += " AND e.amount > 0"
    elif matching.direction == "out":
        sql += " AND e.amount < 0"
    if matching.counterparty is not None:
        sql += " AND e.counterparty_account_id = (SELECT id FROM accounts WHERE number = %(f_counterparty)s)"
        params["f_counterparty"] = matching.counterparty
    if matching.counterparty_payee is not None:
        sql += (" AND e.counterparty_account_id = (SELECT fa.id FROM payees fp"
                " JOIN accounts fa ON fa.number = fp.account WHERE fp.id = %(f_payee)s AND fp.owner_id = %(owner)s)")
        params["f_payee"] = matching.counterparty_payee
    if matching.text is not None:
        # A scalar subquery, read per entry the walk reaches: as EXISTS, the planner may make it a
        # hash semi-join over every transfer that matches (a 503 at 1,000,000 entries in the bench).
        sql += " AND (SELECT ft.description FROM transfers ft WHERE ft.id = e.transfer_id) ILIKE %(f_text)s"
        params["f_text"] = _like_pattern(matching.text)
    return sql, params

"""Transaction history: a user's ledger entries, newest first, one keyset page at a time.

Each account's entries are read from the (account_id, id) index, at most one page per account,
so the cost of a page does not grow with the length of the history.
"""

from typing import TYPE_CHECKING, Any
from uuid import UUID

from shared import cursors
from shared.models import EntryOut, EntryPage, HistoryQuery
from shared.money import format_minor

if TYPE_CHECKING:
    from shared.db import Database

_PAGE = """
SELECT e.id AS entry_id, e.transfer_id, a.number AS account, c.number AS counterparty_account,
       e.amount, a.currency, t.description, t.kind, e.created_at
  FROM accounts a
 CROSS JOIN LATERAL (
        SELECT * FROM entries e
         WHERE e.account_id = a.id AND e.id < %(before)s
         ORDER BY e.id DESC
         LIMIT %(limit)s) e
  JOIN accounts c ON c.id = e.counterparty_account_id
  JOIN transfers t ON t.id = e.transfer_id
 WHERE a.owner_id = %(owner)s AND (%(account)s::text IS NULL OR a.number = %(account)s::text)
 ORDER BY e.id DESC
 LIMIT %(limit)s
"""


def _entry_out(row: dict[str, Any]) -> EntryOut:
    amount = row["amount"]
    return EntryOut(id=row["transfer_id"], account=row["account"],
                    counterparty_account=row["counterparty_account"],
                    direction="debit" if amount < 0 else "credit", amount=format_minor(abs(amount)),
                    currency=row["currency"], description=row["description"], kind=row["kind"],
                    created_at=row["created_at"])


def history(db: "Database", owner_id: UUID, query: HistoryQuery) -> EntryPage:
    """Entries of the owner's accounts (or of one of them); an account that is not the owner's
    simply has no entries here."""
    before = cursors.decode_int(query.cursor)
    with db.session() as session:
        rows = session.fetch_all(_PAGE, {
            "owner": owner_id, "account": query.account, "limit": query.limit + 1,
            "before": before if before is not None else 2**63 - 1,
        })
    page = rows[: query.limit]
    next_cursor = cursors.encode(page[-1]["entry_id"]) if len(rows) > query.limit else None
    return EntryPage(items=[_entry_out(row) for row in page], next_cursor=next_cursor)

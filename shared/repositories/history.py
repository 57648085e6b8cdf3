"""Ledger entries of one owner's accounts, newest first, one keyset page at a time.

Each account's entries are read from the (account_id, id) index, at most one page per account,
so the cost of a page does not grow with the length of the history.
"""

from uuid import UUID

from shared.db import Reader
from shared.domain import Entry

_PAGE = """
SELECT e.id AS entry_id, e.transfer_id, a.number AS account, c.number AS counterparty_account,
       e.amount, a.currency, t.description, t.kind, e.created_at, p.name AS counterparty_name
  FROM accounts a
 CROSS JOIN LATERAL (
        SELECT * FROM entries e
         WHERE e.account_id = a.id AND e.id < %(before)s
         ORDER BY e.id DESC
         LIMIT %(limit)s) e
  JOIN accounts c ON c.id = e.counterparty_account_id
  JOIN transfers t ON t.id = e.transfer_id
  -- the owner's payee of the counterparty, if any: at most one (payees_owner_account_key)
  LEFT JOIN payees p ON p.owner_id = a.owner_id AND p.account = c.number
 WHERE a.owner_id = %(owner)s AND (%(account)s::text IS NULL OR a.number = %(account)s::text)
 ORDER BY e.id DESC
 LIMIT %(limit)s
"""


async def entries(db: Reader, owner_id: UUID, account: str | None, before_id: int,
                  limit: int) -> list[tuple[int, Entry]]:
    """(entry id, entry) pairs below before_id: the id is the next page's position."""
    rows = await db.fetch_all(_PAGE, {"owner": owner_id, "account": account, "limit": limit, "before": before_id})
    return [(row.pop("entry_id"), Entry(**row)) for row in rows]

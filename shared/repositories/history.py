"""Ledger entries of one owner's accounts, newest first, one keyset page at a time.

Each account's entries are read from the (account_id, created_at, id) index, at most one page
per account, so the cost of a page does not grow with the length of the history. The page's
position is the last entry's id; the scan resumes below that entry's (created_at, id), so a
cursor stays valid whatever the filters (shared/repositories/history_filters.py), which narrow the same scan.
"""

from typing import LiteralString
from uuid import UUID

from shared.db import Reader
from shared.domain import Entry
from shared.repositories.history_filters import EntryFilter, conditions

_PAGE_HEAD: LiteralString = """
SELECT e.id AS entry_id, e.transfer_id, a.number AS account, c.number AS counterparty_account,
       e.amount, a.currency, t.description, t.kind, e.created_at, p.name AS counterparty_name
  FROM accounts a
 CROSS JOIN LATERAL (
        SELECT * FROM entries e
         WHERE e.account_id = a.id
           AND (e.created_at, e.id) < (COALESCE((SELECT b.created_at FROM entries b WHERE b.id = %(before)s),
                                                'infinity'), %(before)s)"""
_PAGE_TAIL: LiteralString = """
         ORDER BY e.created_at DESC, e.id DESC
         LIMIT %(limit)s) e
  JOIN accounts c ON c.id = e.counterparty_account_id
  JOIN transfers t ON t.id = e.transfer_id
  -- the owner's payee of the counterparty, if any: at most one (payees_owner_account_key)
  LEFT JOIN payees p ON p.owner_id = a.owner_id AND p.account = c.number
 WHERE a.owner_id = %(owner)s AND (%(account)s::text IS NULL OR a.number = %(account)s::text)
 ORDER BY e.created_at DESC, e.id DESC
 LIMIT %(limit)s
"""
# The unfiltered page (the benchmark explains this very text).
_PAGE: LiteralString = _PAGE_HEAD + _PAGE_TAIL


def page_query(matching: EntryFilter) -> tuple[LiteralString, dict[str, object]]:
    """The page's SQL with the filters' conditions inside the per-account scan, and their values."""
    sql, params = conditions(matching)
    return _PAGE_HEAD + sql + _PAGE_TAIL, params


async def entries(db: Reader, owner_id: UUID, account: str | None, before_id: int, limit: int,
                  matching: EntryFilter | None = None) -> list[tuple[int, Entry]]:
    """(entry id, entry) pairs after the entry before_id, newest first: the id is the next page's position."""
    sql, filter_params = page_query(matching or EntryFilter())
    rows = await db.fetch_all(sql, {"owner": owner_id, "account": account, "limit": limit, "before": before_id,
                                    **filter_params})
    return [(row.pop("entry_id"), Entry(**row)) for row in rows]

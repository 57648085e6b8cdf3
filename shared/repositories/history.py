"""Ledger entries of one owner's accounts, newest first, one keyset page at a time.

Each account's entries are read from the (account_id, created_at, id) index, at most one page
per account, so the cost of a page does not grow with the length of the history. The page's
position is the last entry's id; the scan resumes below that entry's (created_at, id), so a
cursor stays valid whatever the filters (shared/repositories/history_filters.py), which narrow the same scan.

With words to find (`q`), the per-account scan is two strategies in one query, of which only one
runs: the walk reads at most WALK_PROBE of the account's newest entries (in the window) in index
order, checking each one's words; when a page of them match, or the window held no more, the page is
theirs (a common word costs about a page). Otherwise the words are rare in this account: the
transfers holding all of them and the account's lexeme come from the GIN index (migration 0016),
their entries are kept by the same window and filters and sorted, which costs what the matches
cost (a word absent or held once costs a probe and a lookup, at 10,000 entries as at 1,000,000).
"""

from typing import LiteralString
from uuid import UUID

from shared.db import Reader
from shared.domain import Entry
from shared.repositories.history_filters import TYPED_WORDS, WALK_PROBE, WORDS_OF_TRANSFER, EntryFilter, conditions

_SELECT: LiteralString = """
SELECT e.id AS entry_id, e.transfer_id, a.number AS account, c.number AS counterparty_account,
       e.amount, a.currency, t.description, t.kind, e.created_at, p.name AS counterparty_name
  FROM accounts a
 CROSS JOIN LATERAL ("""
# The account's entries below the cursor's entry.
_WINDOW: LiteralString = """
         WHERE e.account_id = a.id
           AND (e.created_at, e.id) < (COALESCE((SELECT b.created_at FROM entries b WHERE b.id = %(before)s),
                                                'infinity'), %(before)s)"""
_NEWEST: LiteralString = """
         ORDER BY e.created_at DESC, e.id DESC"""
_PAGE_HEAD: LiteralString = _SELECT + """
        SELECT * FROM entries e""" + _WINDOW
_JOINS: LiteralString = """
  JOIN accounts c ON c.id = e.counterparty_account_id
  JOIN transfers t ON t.id = e.transfer_id
  -- the owner's payee of the counterparty, if any: at most one (payees_owner_account_key)
  LEFT JOIN payees p ON p.owner_id = a.owner_id AND p.account = c.number
 WHERE a.owner_id = %(owner)s AND (%(account)s::text IS NULL OR a.number = %(account)s::text)
 ORDER BY e.created_at DESC, e.id DESC
 LIMIT %(limit)s
"""
_PAGE_TAIL: LiteralString = _NEWEST + """
         LIMIT %(limit)s) e""" + _JOINS
# The unfiltered page (the benchmark explains this very text).
_PAGE: LiteralString = _PAGE_HEAD + _PAGE_TAIL

_ENTRY: LiteralString = "e.id, e.transfer_id, e.account_id, e.counterparty_account_id, e.amount, e.created_at"
# Where the words are found: the walk's hits, or (use_index) the GIN index's.
_WORDS_HEAD: LiteralString = _SELECT + """
        WITH walk AS MATERIALIZED (
             SELECT e.*, (SELECT """ + WORDS_OF_TRANSFER + " @@ " + TYPED_WORDS + """
                            FROM transfers ft WHERE ft.id = e.transfer_id) AS hit
               FROM entries e""" + _WINDOW
_WORDS_MIDDLE: LiteralString = _NEWEST + """
              LIMIT """ + str(WALK_PROBE) + """),
        use_index AS MATERIALIZED (
             SELECT CASE WHEN (SELECT count(*) FROM (SELECT 1 FROM walk WHERE hit LIMIT %(limit)s) h) >= %(limit)s
                         THEN false
                         ELSE (SELECT count(*) FROM walk) >= """ + str(WALK_PROBE) + """ END AS yes),
        found AS MATERIALIZED (
             SELECT ft.id FROM transfers ft
              WHERE """ + WORDS_OF_TRANSFER + " @@ (" + TYPED_WORDS + """ && quote_literal('#' || a.id::text)::tsquery))
        (SELECT """ + _ENTRY + """ FROM walk e WHERE e.hit AND NOT (SELECT yes FROM use_index) LIMIT %(limit)s)
        UNION ALL
        (SELECT """ + _ENTRY + """ FROM found f
           -- each found transfer's leg in this account, by entries_transfer_id_idx (OFFSET 0: not a join)
           CROSS JOIN LATERAL (SELECT * FROM entries e""" + _WINDOW
_WORDS_TAIL: LiteralString = """
                AND e.transfer_id = f.id OFFSET 0) e
          WHERE (SELECT yes FROM use_index)""" + _NEWEST + """
          LIMIT %(limit)s)
        ORDER BY created_at DESC, id DESC
        LIMIT %(limit)s) e""" + _JOINS


def page_query(matching: EntryFilter) -> tuple[LiteralString, dict[str, object]]:
    """The page's SQL with the filters' conditions inside the per-account scan, and their values."""
    sql, params = conditions(matching)
    if matching.words:
        return _WORDS_HEAD + sql + _WORDS_MIDDLE + sql + _WORDS_TAIL, params
    return _PAGE_HEAD + sql + _PAGE_TAIL, params


async def entries(db: Reader, owner_id: UUID, account: str | None, before_id: int, limit: int,
                  matching: EntryFilter | None = None) -> list[tuple[int, Entry]]:
    """(entry id, entry) pairs after the entry before_id, newest first: the id is the next page's position."""
    sql, filter_params = page_query(matching or EntryFilter())
    rows = await db.fetch_all(sql, {"owner": owner_id, "account": account, "limit": limit, "before": before_id,
                                    **filter_params})
    return [(row.pop("entry_id"), Entry(**row)) for row in rows]

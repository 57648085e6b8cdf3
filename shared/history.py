"""Transaction history: a user's ledger entries, newest first, one keyset page at a time."""

from uuid import UUID

from shared import cursors, periods
from shared.db import Database
from shared.domain import Entry, Page
from shared.models import HistoryQuery
from shared.repositories import history
from shared.repositories.history_filters import EntryFilter, words_of


def entry_filter(query: HistoryQuery) -> EntryFilter:
    """The query's filters, its days turned into the instants that bound them in Dublin."""
    return EntryFilter(since=periods.day_start(query.from_) if query.from_ else None,
                       until=periods.day_after(query.to) if query.to else None,
                       min_amount=query.min_amount, max_amount=query.max_amount, direction=query.direction,
                       counterparty=query.counterparty if isinstance(query.counterparty, str) else None,
                       counterparty_payee=query.counterparty if isinstance(query.counterparty, UUID) else None,
                       words=words_of(query.q) if query.q else ())


async def history_page(db: Database, owner_id: UUID, query: HistoryQuery) -> Page[Entry]:
    """Entries of the owner's accounts (or of one of them), filtered; an account that is not the
    owner's simply has no entries here."""
    matching = entry_filter(query)
    # Filtered pages walk in index order; with words, the words index (read by bitmap scans only)
    # serves them when they are rare (shared/repositories/history.py).
    reader = db.reader() if matching == EntryFilter() else db.index_order_reader(bitmap_scans=bool(matching.words))
    async with reader as read:
        rows = await history.entries(read, owner_id, query.account, cursors.page_below(query.cursor),
                                     query.limit + 1, matching)
    page = rows[: query.limit]
    next_cursor = cursors.encode(page[-1][0]) if len(rows) > query.limit else None
    return Page([entry for _, entry in page], next_cursor)

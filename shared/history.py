"""Transaction history: a user's ledger entries, newest first, one keyset page at a time."""

from uuid import UUID

from shared import cursors
from shared.db import Database
from shared.domain import Entry, Page
from shared.models import HistoryQuery
from shared.repositories import history


async def history_page(db: Database, owner_id: UUID, query: HistoryQuery) -> Page[Entry]:
    """Entries of the owner's accounts (or of one of them); an account that is not the owner's
    simply has no entries here."""
    async with db.reader() as read:
        rows = await history.entries(read, owner_id, query.account, cursors.page_below(query.cursor),
                                     query.limit + 1)
    page = rows[: query.limit]
    next_cursor = cursors.encode(page[-1][0]) if len(rows) > query.limit else None
    return Page([entry for _, entry in page], next_cursor)

"""What a statement reads: the account with its holder, what moved since an instant, and the
entries of a period oldest first. Meant to be read together in one snapshot (Database.snapshot),
so the balance and the entries agree while transfers land."""

from datetime import datetime
from uuid import UUID

from shared.db import Reader, Row

_ACCOUNT = """
SELECT a.id, a.number, a.name, a.currency, a.balance, u.full_name AS holder
  FROM accounts a JOIN users u ON u.id = a.owner_id
 WHERE a.number = %(number)s AND a.kind = 'customer' AND (%(owner)s::uuid IS NULL OR a.owner_id = %(owner)s::uuid)
"""

_MOVED_SINCE = """
SELECT COALESCE(sum(amount), 0)::bigint AS moved FROM entries WHERE account_id = %s AND created_at >= %s
"""

_LINES = """
SELECT e.transfer_id, c.number AS counterparty_account, e.amount, t.description, t.kind, e.created_at
  FROM entries e
  JOIN accounts c ON c.id = e.counterparty_account_id
  JOIN transfers t ON t.id = e.transfer_id
 WHERE e.account_id = %(account)s AND e.created_at >= %(since)s AND e.created_at < %(until)s
 ORDER BY e.created_at, e.id
 LIMIT %(limit)s
"""


async def account(db: Reader, number: str, owner_id: UUID | None) -> Row | None:
    """The customer account (the owner's, unless owner_id is None: staff) with its holder's name."""
    return await db.fetch_one(_ACCOUNT, {"number": number, "owner": owner_id})


async def moved_since(db: Reader, account_id: int, since: datetime) -> int:
    """The signed sum of the account's entries from `since` on: balance minus it is the balance then."""
    row = await db.fetch_one(_MOVED_SINCE, (account_id, since))
    return int(row["moved"]) if row else 0


async def lines(db: Reader, account_id: int, since: datetime, until: datetime, limit: int) -> list[Row]:
    return await db.fetch_all(_LINES, {"account": account_id, "since": since, "until": until, "limit": limit})

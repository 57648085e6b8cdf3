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
- `q` (`words` here): words of the transfer's description, each typed word the beginning of one
  of them (`rent` finds "Rent December", `dece` finds "December"), all of them, any letter case;
  anything but a letter or a digit splits words on both sides, and accents count ("cafe" does not
  find "Café": no unaccent in the embedded PostgreSQL). Served two ways in one query
  (shared/repositories/history.py): the account's newest entries in index order, when the first
  WALK_PROBE of them hold a page of matches; otherwise the GIN index of migration 0016.
"""

import re
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
    words: tuple[str, ...] = ()


# The words of a transfer (ft) and its two accounts: migration 0016's index, expression for expression.
WORDS_OF_TRANSFER: LiteralString = (
    "(to_tsvector('simple', regexp_replace(ft.description, '[[:punct:][:space:]]+', ' ', 'g'))"
    " || array_to_tsvector(ARRAY['#' || ft.debit_account_id::text, '#' || ft.credit_account_id::text]))")
# The typed words as a tsquery: each a prefix, all required. Bound as a parameter; the words hold
# only letters and digits (words_of), so none is a tsquery operator.
TYPED_WORDS: LiteralString = "to_tsquery('simple', %(f_words)s)"
# How many of an account's entries the walk reads before the index takes over (see history.py).
WALK_PROBE = 1000

_WORD = re.compile(r"[^\W_]+")


def words_of(text: str) -> tuple[str, ...]:
    """The words of a search: runs of letters and digits, lower case."""
    return tuple(word.lower() for word in _WORD.findall(text))


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
    if matching.words:
        params["f_words"] = " & ".join(f"{word}:*" for word in matching.words)
    return sql, params

"""Postings: one call of the SQL function post_transfer (migrations/R__post_transfer.sql) each;
and the read of both accounts that a transfer preview checks."""

from dataclasses import dataclass
from uuid import UUID

from shared.db import Reader, Row, UnitOfWork
from shared.domain import Transfer
from shared.outcomes import PostingOutcome

_POST = """SELECT * FROM post_transfer(%(initiator)s, %(from_account)s, %(to_account)s, %(amount)s,
                                     %(description)s, %(kind)s, %(key)s, %(request_hash)s, %(require_owner)s,
                                     %(session)s, %(session_secret)s)"""


@dataclass(frozen=True)
class Posting:
    initiator: UUID | None  # None with a session: the session names the caller (a cookie names no user)
    from_account: str | None  # None: the bank's system account in the recipient's currency
    to_account: str
    amount: int
    description: str
    kind: str
    idempotency_key: str
    request_hash: bytes
    require_owner: bool  # the initiator must own from_account
    session_id: UUID | None = None  # checked live (not revoked, not idle) by the posting itself
    session_secret_hash: bytes | None = None  # the cookie's proof; None for a signed token's session


@dataclass(frozen=True)
class Posted:
    outcome: PostingOutcome
    transfer: Transfer | None  # set when posted or replayed


def _params(posting: Posting) -> dict[str, object]:
    return {"initiator": posting.initiator, "from_account": posting.from_account, "to_account": posting.to_account,
            "amount": posting.amount, "description": posting.description, "kind": posting.kind,
            "key": posting.idempotency_key, "request_hash": posting.request_hash,
            "require_owner": posting.require_owner, "session": posting.session_id,
            "session_secret": posting.session_secret_hash}


def _posted(row: Row | None) -> Posted:
    assert row is not None
    outcome = PostingOutcome(row["outcome"])
    if outcome not in (PostingOutcome.POSTED, PostingOutcome.REPLAYED):
        return Posted(outcome, None)
    return Posted(outcome, Transfer(**{key: row[key] for key in Transfer.__dataclass_fields__}))


async def post(uow: UnitOfWork, posting: Posting) -> Posted:
    """Posts within the unit of work (commit it to keep the posting)."""
    return _posted(await uow.fetch_one(_POST, _params(posting)))


async def post_and_commit(uow: UnitOfWork, posting: Posting) -> Posted:
    """Posts and commits: alone in its unit, one statement and one round trip."""
    return _posted(await uow.commit_with(_POST, _params(posting)))


@dataclass(frozen=True)
class Party:
    """One account of a transfer, with what post_transfer checks about it."""

    number: str
    owner_id: UUID | None
    kind: str
    status: str
    currency: str
    balance: int
    owner_active: bool


async def parties(db: Reader, from_account: str, to_account: str) -> dict[str, Party]:
    """Both accounts (those that exist), by number, in one read."""
    rows = await db.fetch_all(
        "SELECT a.number, a.owner_id, a.kind, a.status, a.currency, a.balance,"
        " coalesce(u.active, false) AS owner_active"
        " FROM accounts a LEFT JOIN users u ON u.id = a.owner_id WHERE a.number IN (%s, %s)",
        (from_account, to_account))
    return {row["number"]: Party(**row) for row in rows}

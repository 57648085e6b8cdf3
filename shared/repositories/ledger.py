"""Postings: one call of the SQL function post_transfer (migrations/R__post_transfer.sql) each;
and the read of both accounts that a transfer preview checks."""

from dataclasses import dataclass
from uuid import UUID

from psycopg.types.json import Jsonb

from shared.db import Reader, Row, UnitOfWork
from shared.domain import Transfer
from shared.outcomes import PostingOutcome

_POST = """SELECT * FROM post_transfer(%(initiator)s, %(from_account)s, %(to_account)s, %(amount)s,
                                     %(description)s, %(kind)s, %(key)s, %(request_hash)s, %(require_owner)s,
                                     %(session)s, %(session_secret)s, %(sca)s)"""


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
    # Strong customer authentication's part (R__post_transfer.sql p_sca): None where it does not
    # apply, else shared/payment_authentication.py's check or proof.
    sca: dict[str, object] | None = None


@dataclass(frozen=True)
class Posted:
    outcome: PostingOutcome
    transfer: Transfer | None  # set when posted or replayed


def _params(posting: Posting) -> dict[str, object]:
    return {"initiator": posting.initiator, "from_account": posting.from_account, "to_account": posting.to_account,
            "amount": posting.amount, "description": posting.description, "kind": posting.kind,
            "key": posting.idempotency_key, "request_hash": posting.request_hash,
            "require_owner": posting.require_owner, "session": posting.session_id,
            "session_secret": posting.session_secret_hash,
            "sca": Jsonb(posting.sca) if posting.sca is not None else None}


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


async def lock_payer(uow: UnitOfWork, session_id: UUID | None, secret_hash: bytes | None, user_id: UUID | None,
                     from_account: str, idempotency_key: str) -> tuple[UUID, str] | None:
    """The paying user and the source account's currency, for a payment waiting for its second
    factor; the request's Idempotency-Key locked as post_transfer locks it (so two retries at once
    issue one challenge). None when the session or the account is not the caller's."""
    row = await uow.fetch_one(
        "SELECT u.id AS user_id, a.currency,"
        "       pg_advisory_xact_lock(hashtextextended(u.id::text || '/' || %(key)s, 0)) IS NULL AS locked"
        "  FROM users u JOIN accounts a ON a.owner_id = u.id AND a.number = %(from)s"
        " WHERE u.id = coalesce(%(user)s, (SELECT s.user_id FROM sessions s WHERE s.id = %(session)s"
        "        AND (%(secret)s::bytea IS NULL OR s.secret_hash = %(secret)s::bytea)))",
        {"key": idempotency_key, "from": from_account, "user": user_id, "session": session_id,
         "secret": secret_hash})
    return (row["user_id"], str(row["currency"])) if row is not None else None

"""Postings: one call of the SQL function post_transfer (migrations/R__post_transfer.sql) each."""

from dataclasses import dataclass
from uuid import UUID

from shared.db import Row, UnitOfWork
from shared.domain import Transfer
from shared.outcomes import PostingOutcome

_POST = """SELECT * FROM post_transfer(%(initiator)s, %(from_account)s, %(to_account)s, %(amount)s,
                                     %(description)s, %(kind)s, %(key)s, %(request_hash)s, %(require_owner)s)"""


@dataclass(frozen=True)
class Posting:
    initiator: UUID
    from_account: str | None  # None: the bank's system account in the recipient's currency
    to_account: str
    amount: int
    description: str
    kind: str
    idempotency_key: str
    request_hash: bytes
    require_owner: bool  # the initiator must own from_account


@dataclass(frozen=True)
class Posted:
    outcome: PostingOutcome
    transfer: Transfer | None  # set when posted or replayed


def _params(posting: Posting) -> dict[str, object]:
    return {"initiator": posting.initiator, "from_account": posting.from_account, "to_account": posting.to_account,
            "amount": posting.amount, "description": posting.description, "kind": posting.kind,
            "key": posting.idempotency_key, "request_hash": posting.request_hash,
            "require_owner": posting.require_owner}


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

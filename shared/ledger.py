"""Moving money: customer transfers and staff cash deposits.

The database function post_transfer (migrations/R__post_transfer.sql) does the
posting in one statement, so one transfer is one atomic transaction and one round trip: it refuses
a caller who is no longer active, takes the idempotency key's lock,
locks both accounts in a fixed order, checks ownership, status, currency and funds, moves the
balances and writes the ledger (transfer plus two entries). Input rules are checked before it,
in shared/models.py; the outcome words it returns become the named errors below.
"""

import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared import audit, telemetry
from shared.accounts import parse_account_number
from shared.auth import Principal
from shared.errors import (
    AccountClosed,
    AccountFrozen,
    AccountNotFound,
    BankError,
    CurrencyMismatch,
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    InsufficientFunds,
    NotAuthenticated,
    RecipientNotFound,
    ValidationFailed,
)
from shared.models import DepositRequest, TransferOut, TransferRequest
from shared.money import format_minor
from shared.outcomes import PostingOutcome as Outcome

if TYPE_CHECKING:
    from shared.db import Database

# Each refusal of post_transfer, and the failure it means (tests/unit/test_ledger_refusals.py
# checks that every outcome but posted and replayed has one).
REFUSALS: dict[Outcome, Callable[[], BankError]] = {
    Outcome.CALLER_INACTIVE: lambda: NotAuthenticated("This user is no longer active."),
    Outcome.SOURCE_NOT_FOUND: lambda: AccountNotFound("You have no account with that number."),
    Outcome.RECIPIENT_NOT_FOUND: lambda: RecipientNotFound("No account with that number can receive money."),
    Outcome.SAME_ACCOUNT: lambda: ValidationFailed([("to_account", "must differ from from_account")]),
    Outcome.SOURCE_FROZEN: lambda: AccountFrozen("Your account is frozen: it cannot send money."),
    Outcome.SOURCE_CLOSED: lambda: AccountClosed("Your account is closed: it cannot send money."),
    Outcome.RECIPIENT_FROZEN: lambda: AccountFrozen("The recipient's account is frozen: it cannot receive money."),
    Outcome.RECIPIENT_CLOSED: lambda: AccountClosed("The recipient's account is closed: it cannot receive money."),
    Outcome.CURRENCY_MISMATCH: lambda: CurrencyMismatch("Both accounts must hold the same currency."),
    Outcome.INSUFFICIENT_FUNDS: lambda: InsufficientFunds(
        "The account does not hold enough money for this transfer."),
    Outcome.IDEMPOTENCY_REUSED: lambda: IdempotencyKeyReused(
        "This Idempotency-Key was already used with a different request. Use a new key."),
    Outcome.IDEMPOTENCY_IN_PROGRESS: lambda: IdempotencyKeyInProgress(
        "A request with this Idempotency-Key is still being processed. Retry shortly."),
}

_POST = """SELECT * FROM post_transfer(%(initiator)s, %(from_account)s, %(to_account)s, %(amount)s,
                                     %(description)s, %(kind)s, %(key)s, %(request_hash)s, %(require_owner)s)"""


def _request_hash(operation: str, fields: dict[str, Any]) -> bytes:
    return hashlib.sha256(json.dumps([operation, fields], sort_keys=True).encode()).digest()


def _posted(row: dict[str, Any] | None, kind: str) -> tuple[TransferOut, bool]:
    assert row is not None
    outcome = Outcome(row["outcome"])
    if outcome not in (Outcome.POSTED, Outcome.REPLAYED):
        telemetry.record_transfer_refused(kind, outcome.value)
        raise REFUSALS[outcome]()
    if outcome is Outcome.POSTED:
        telemetry.record_transfer_completed(kind, row["currency"], row["amount"])
    transfer = TransferOut(id=row["id"], from_account=row["from_account"], to_account=row["to_account"],
                           amount=format_minor(row["amount"]), currency=row["currency"],
                           description=row["description"], kind=row["kind"], created_at=row["created_at"])
    return transfer, outcome is Outcome.REPLAYED


def transfer(db: "Database", principal: Principal, request: TransferRequest,
             idempotency_key: str) -> TransferOut:
    """Moves money from one of the caller's accounts to any active account in the same currency."""
    fields = {"from_account": request.from_account, "to_account": request.to_account,
              "amount": request.amount, "description": request.description}
    with db.session() as session:
        row = session.fetch_one(_POST, {
            **fields, "initiator": principal.id, "kind": "transfer", "key": idempotency_key,
            "request_hash": _request_hash("transfer", fields), "require_owner": True,
        })
    return _posted(row, "transfer")[0]


def deposit(db: "Database", staff: Principal, account_number: str, request: DepositRequest,
            idempotency_key: str, correlation_id: str) -> TransferOut:
    """A cash deposit: from the bank's system account in the account's currency, audited in the
    same transaction."""
    account_number = parse_account_number(account_number)
    fields = {"to_account": account_number, "amount": request.amount, "description": request.description}
    with db.transaction() as session:
        result, replayed = _posted(session.fetch_one(_POST, {
            **fields, "from_account": None, "initiator": staff.id, "kind": "deposit", "key": idempotency_key,
            "request_hash": _request_hash("deposit", fields), "require_owner": False,
        }), "deposit")
        if not replayed:
            audit.record(session, staff, "account.deposit", "account", account_number,
                         {"amount": result.amount, "currency": result.currency, "transfer_id": str(result.id)},
                         correlation_id)
    return result


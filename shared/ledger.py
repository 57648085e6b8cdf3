"""Moving money: customer transfers and staff cash deposits.

The database function post_transfer (migrations/0002_post_transfer_checks_caller.sql) does the
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

if TYPE_CHECKING:
    from shared.db import Database

# Each refusal word of post_transfer, and the failure it means.
_REFUSALS: dict[str, Callable[[], BankError]] = {
    "caller_inactive": lambda: NotAuthenticated("This user is no longer active."),
    "source_not_found": lambda: AccountNotFound("You have no account with that number."),
    "recipient_not_found": lambda: RecipientNotFound("No account with that number can receive money."),
    "same_account": lambda: ValidationFailed([("to_account", "must differ from from_account")]),
    "source_frozen": lambda: AccountFrozen("Your account is frozen: it cannot send money."),
    "source_closed": lambda: AccountClosed("Your account is closed: it cannot send money."),
    "recipient_frozen": lambda: AccountFrozen("The recipient's account is frozen: it cannot receive money."),
    "recipient_closed": lambda: AccountClosed("The recipient's account is closed: it cannot receive money."),
    "currency_mismatch": lambda: CurrencyMismatch("Both accounts must hold the same currency."),
    "insufficient_funds": lambda: InsufficientFunds("The account does not hold enough money for this transfer."),
    "idempotency_reused": lambda: IdempotencyKeyReused(
        "This Idempotency-Key was already used with a different request. Use a new key."),
    "idempotency_in_progress": lambda: IdempotencyKeyInProgress(
        "A request with this Idempotency-Key is still being processed. Retry shortly."),
}

_POST = """SELECT * FROM post_transfer(%(initiator)s, %(from_account)s, %(to_account)s, %(amount)s,
                                     %(description)s, %(kind)s, %(key)s, %(request_hash)s, %(require_owner)s)"""


def _request_hash(operation: str, fields: dict[str, Any]) -> bytes:
    return hashlib.sha256(json.dumps([operation, fields], sort_keys=True).encode()).digest()


def _posted(row: dict[str, Any] | None, kind: str) -> tuple[TransferOut, bool]:
    assert row is not None
    if row["outcome"] not in ("posted", "replayed"):
        telemetry.record_transfer_refused(kind, row["outcome"])
        raise _REFUSALS[row["outcome"]]()
    if row["outcome"] == "posted":
        telemetry.record_transfer_completed(kind, row["currency"], row["amount"])
    transfer = TransferOut(id=row["id"], from_account=row["from_account"], to_account=row["to_account"],
                           amount=format_minor(row["amount"]), currency=row["currency"],
                           description=row["description"], kind=row["kind"], created_at=row["created_at"])
    return transfer, row["outcome"] == "replayed"


def transfer(db: "Database", principal: Principal, request: TransferRequest,
             idempotency_key: str | None) -> TransferOut:
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
            idempotency_key: str | None, correlation_id: str) -> TransferOut:
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


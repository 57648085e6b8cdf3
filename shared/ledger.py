"""Moving money: customer transfers and staff cash deposits.

The database function post_transfer (migrations/R__post_transfer.sql) does the
posting in one statement, so one transfer is one atomic transaction and one round trip: it refuses
a caller who is no longer active, takes the idempotency key's lock,
locks both accounts in a fixed order, checks ownership, status, currency and funds, moves the
balances and writes the ledger (transfer plus two entries). Input rules are checked before it,
in shared/models.py; the outcome words it returns become the named errors below.
shared/repositories/ledger.py holds its SQL.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from uuid import UUID

from shared import audit, telemetry
from shared.auth import Credentials, Principal
from shared.db import Database, UnitOfWork
from shared.domain import Transfer, TransferPreview
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
    PasswordChangeRequired,
    PayeeNotFound,
    RecipientNotFound,
    StrongAuthenticationRequired,
    ValidationFailed,
)
from shared.models import DepositRequest, TransferRequest
from shared.money import format_minor
from shared.outcomes import PostingOutcome as Outcome
from shared.repositories import payees
from shared.repositories.ledger import Party, Posted, Posting, parties, post, post_and_commit

if TYPE_CHECKING:
    from shared.payment_authentication import PaymentAuthentication, PendingPayment

# Each refusal of post_transfer, and the failure it means (tests/unit/test_ledger_refusals.py
# checks that every outcome but posted and replayed has one).
REFUSALS: dict[Outcome, Callable[[], BankError]] = {
    Outcome.CALLER_INACTIVE: lambda: NotAuthenticated("Your session has ended. Sign in again."),
    Outcome.CALLER_RESTRICTED: lambda: PasswordChangeRequired(
        "Choose a new password first: you signed in with a temporary one."),
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
    # Only where SCA is not asked for through a challenge (it never is without p_sca).
    Outcome.AUTHENTICATION_REQUIRED: lambda: StrongAuthenticationRequired(
        "Confirm this payment with your second factor."),
    Outcome.IDEMPOTENCY_IN_PROGRESS: lambda: IdempotencyKeyInProgress(
        "A request with this Idempotency-Key is still being processed. Retry shortly."),
}


def _request_hash(operation: str, fields: dict[str, Any]) -> bytes:
    return hashlib.sha256(json.dumps([operation, fields], sort_keys=True).encode()).digest()


def _transfer_or_refusal(posted: Posted, kind: str) -> Transfer:
    if posted.transfer is None:
        telemetry.record_transfer_refused(kind, posted.outcome.value)
        raise REFUSALS[posted.outcome]()
    if posted.outcome is Outcome.POSTED:
        telemetry.record_transfer_completed(kind, posted.transfer.currency, posted.transfer.amount)
    return posted.transfer


def transfer_result(posted: Posted) -> Transfer:
    """A customer transfer's posting as its answer: the transfer, or its refusal raised."""
    return _transfer_or_refusal(posted, "transfer")


def _transfer_fields(command: TransferRequest) -> dict[str, Any]:
    """What was asked, as the idempotency key's request hash covers it: the payee when one was
    named (a retry naming the payee's account instead is another request), else the account."""
    recipient: dict[str, Any] = ({"to_account": command.to_account} if command.payee_id is None
                                 else {"payee_id": str(command.payee_id)})
    return {"from_account": command.from_account, **recipient, "amount": command.amount,
            "description": command.description}


def _payee_refusal(posted: Posted, kind: str) -> Transfer:
    """As _transfer_or_refusal, with the same-account refusal said at the field that was sent."""
    if posted.outcome is Outcome.SAME_ACCOUNT:
        telemetry.record_transfer_refused(kind, posted.outcome.value)
        raise ValidationFailed([("payee_id", "names from_account: pay it from another account")])
    return _transfer_or_refusal(posted, kind)


def _payee_not_found() -> PayeeNotFound:
    return PayeeNotFound("You have no payee with that id.")


async def transfer(db: Database, caller: Credentials, command: TransferRequest, idempotency_key: str,
                   sca: "PaymentAuthentication | None" = None) -> "Transfer | PendingPayment":
    """Moves money from one of the caller's accounts to any active account in the same currency.
    The posting checks the caller's session (live, its user active) itself, so nothing else is
    read first: one statement, one round trip. To a payee, the payee's account is read in the
    same transaction as the posting, and its last_paid_at set when the transfer posts. With
    `sca` (the API's customer transfers), a payment no exemption covers moves nothing and waits
    for a second factor: a PendingPayment (shared/payment_authentication.py)."""
    posting = Posting(
        initiator=caller.user_id, from_account=command.from_account, to_account=command.to_account or "",
        amount=command.amount, description=command.description, kind="transfer",
        idempotency_key=idempotency_key, request_hash=_request_hash("transfer", _transfer_fields(command)),
        require_owner=True, session_id=caller.session_id, session_secret_hash=caller.secret_hash,
        sca=sca.policy.check() if sca is not None else None)
    payee = None
    async with db.unit_of_work() as uow:
        if command.payee_id is None:
            posted = await post_and_commit(uow, posting)
        else:
            payee = await payees.for_session(uow, command.payee_id, caller.session_id, caller.secret_hash)
            if payee is None:
                raise _payee_not_found()
            posting = replace(posting, to_account=payee.account)
            posted = await post(uow, posting)
            if posted.outcome is Outcome.POSTED:
                await payees.mark_paid(uow, command.payee_id)
            await uow.commit()
    if posted.outcome is Outcome.AUTHENTICATION_REQUIRED and sca is not None:
        from shared import payment_authentication
        return await payment_authentication.ask(db, sca, caller, posting, command.payee_id,
                                                payee.name if payee is not None else None)
    return _transfer_or_refusal(posted, "transfer") if payee is None else _payee_refusal(posted, "transfer")


def _preview_refusal(caller_id: UUID, source: Party | None, recipient: Party | None,
                     amount: int | None) -> Outcome | None:
    """post_transfer's rules (migrations/R__post_transfer.sql), in its order, for a customer's
    transfer; the funds not checked when `amount` is None."""
    if source is None or source.owner_id != caller_id or source.kind != "customer":
        return Outcome.SOURCE_NOT_FOUND
    if recipient is None or recipient.kind != "customer":
        return Outcome.RECIPIENT_NOT_FOUND
    if source.number == recipient.number:
        return Outcome.SAME_ACCOUNT
    if source.status != "active":
        return Outcome("source_" + source.status)
    if recipient.status != "active":
        return Outcome("recipient_" + recipient.status)
    if not recipient.owner_active:
        return Outcome.RECIPIENT_FROZEN
    if source.currency != recipient.currency:
        return Outcome.CURRENCY_MISMATCH
    if amount is not None and source.balance < amount:
        return Outcome.INSUFFICIENT_FUNDS
    return None


async def preview_transfer(db: Database, caller_id: UUID, command: TransferRequest, *,
                           check_funds: bool = True) -> TransferPreview:
    """What transfer() would answer now, refusals included, moving nothing. Only a check: the
    balance or a status may change before the customer confirms, and post_transfer decides then.
    A standing order is checked without the funds (money may arrive before it runs)."""
    async with db.reader() as read:
        to_account, trusted = command.to_account, False
        if command.payee_id is not None:
            payee = await payees.owned(read, caller_id, command.payee_id)
            if payee is None:
                raise _payee_not_found()
            to_account, trusted = payee.account, payee.trusted
        assert to_account is not None
        found = await parties(read, command.from_account, to_account)
    source, recipient = found.get(command.from_account), found.get(to_account)
    refusal = _preview_refusal(caller_id, source, recipient, command.amount if check_funds else None)
    if refusal is Outcome.SAME_ACCOUNT and command.payee_id is not None:
        raise ValidationFailed([("payee_id", "names from_account: pay it from another account")])
    if refusal is not None:
        raise REFUSALS[refusal]()
    assert source is not None and recipient is not None
    return TransferPreview(source.number, recipient.number, command.amount, source.currency, recipient.status,
                           to_own_account=recipient.owner_id == caller_id, trusted_payee=trusted)


async def deposit(db: Database, staff: Principal, account_number: str, command: DepositRequest,
                  idempotency_key: str, correlation_id: str) -> Transfer:
    """A cash deposit posted at once, whatever its amount: from the bank's system account in the
    account's currency, audited in the same transaction. For operator tools (demo data); the staff
    route takes deposits through shared/approvals.py: take_deposit (dual control above the threshold,
    no deposits into one's own account)."""
    async with db.unit_of_work() as uow:
        posted = await post_deposit(uow, staff, account_number, command.amount, command.description,
                                    idempotency_key, deposit_request_hash(account_number, command), correlation_id)
        await uow.commit()
    return deposit_result(posted)


def deposit_request_hash(account_number: str, command: DepositRequest) -> bytes:
    """What names a deposit request under its Idempotency-Key."""
    return _request_hash("deposit", {"to_account": account_number, "amount": command.amount,
                                     "description": command.description})


async def post_deposit(uow: UnitOfWork, staff: Principal, account_number: str, amount: int, description: str,
                       idempotency_key: str, request_hash: bytes, correlation_id: str) -> Posted:
    """Posts a deposit in the caller's unit of work, audited as account.deposit when it moved money.
    A refusal is returned, not raised (deposit_result raises it): committing keeps it under the key,
    as post_transfer keeps every business refusal; rolling back forgets it."""
    posted = await post(uow, Posting(
        initiator=staff.id, from_account=None, to_account=account_number, amount=amount,
        description=description, kind="deposit", idempotency_key=idempotency_key,
        request_hash=request_hash, require_owner=False))
    if posted.outcome is Outcome.POSTED and posted.transfer is not None:
        await audit.record(uow, staff, "account.deposit", "account", account_number,
                           {"amount": format_minor(posted.transfer.amount), "currency": posted.transfer.currency,
                            "transfer_id": str(posted.transfer.id)}, correlation_id)
    return posted


def deposit_result(posted: Posted) -> Transfer:
    """The deposit posted (or replayed), or its refusal raised as the named error."""
    return _transfer_or_refusal(posted, "deposit")

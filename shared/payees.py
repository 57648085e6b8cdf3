"""Payees and Verification of Payee (issue 16).

A customer's payees are theirs only: every read and change names the owner, so another
customer's payee id is simply not found. The same account is saved once (409).

Verification of Payee (Regulation (EU) 2024/886, Art. 5c) tells a payer, before saving a payee or
paying a new number, whether the name they typed is the holder's: `match`, `close_match` (with
the holder's name, and only then), `no_match`, or `not_possible`. `not_possible` means no customer
account with that number can receive money now: an unknown number, the bank's own system account,
a frozen or closed account, a deactivated holder. It says less than a transfer preview does
(which tells those cases apart), and it never says which. Checks are counted per customer
(VOP_CHECKS_PER_HOUR, 429 past it), so the check cannot be used to collect who holds which account.
"""

from dataclasses import dataclass
from uuid import UUID

from shared.db import Database
from shared.domain import Payee, PayeeVerification
from shared.errors import DuplicateKey, PayeeExists, PayeeNotFound, TooManyVerifications
from shared.models import PayeeRequest, UpdatePayeeRequest, VerifyPayeeRequest
from shared.name_matching import Thresholds, compare
from shared.repositories import payees, standing_orders, throttle

CHECK_WINDOW_SECONDS = 3600


@dataclass(frozen=True)
class VerificationPolicy:
    thresholds: Thresholds
    checks_per_hour: int


def _not_found() -> PayeeNotFound:
    return PayeeNotFound("You have no payee with that id.")


async def list_payees(db: Database, owner_id: UUID) -> list[Payee]:
    async with db.reader() as read:
        return await payees.of_owner(read, owner_id)


async def add_payee(db: Database, owner_id: UUID, command: PayeeRequest) -> Payee:
    """Saves a payee; the customer's own accounts may be payees too (they are theirs to pay)."""
    try:
        async with db.unit_of_work() as uow:
            payee = await payees.insert(uow, owner_id, command.name, command.account, command.reference or None,
                                        command.trusted)
            await uow.commit()
    except DuplicateKey:
        raise PayeeExists("You saved this account as a payee already.",
                          [("account", "is one of your payees already")]) from None
    return payee


async def update_payee(db: Database, owner_id: UUID, payee_id: UUID, command: UpdatePayeeRequest) -> Payee:
    changes = command.model_dump(exclude_unset=True)
    if "reference" in changes:
        changes["reference"] = changes["reference"] or None
    async with db.unit_of_work() as uow:
        payee = await payees.update(uow, owner_id, payee_id, changes)
        if payee is None:
            raise _not_found()
        await uow.commit()
    return payee


async def delete_payee(db: Database, owner_id: UUID, payee_id: UUID) -> None:
    """Forgets the payee; no ledger row refers to it, so history stays as it was (without the name).
    A standing order to it keeps the account it paid and stops if it was active or paused
    (stopped_reason payee-deleted), in the same transaction (migrations/0013)."""
    async with db.unit_of_work() as uow:
        account = await payees.lock_for_deletion(uow, owner_id, payee_id)
        if account is None:
            raise _not_found()
        await standing_orders.detach_payee(uow, payee_id, account)
        await payees.delete(uow, owner_id, payee_id)
        await uow.commit()


async def verify(db: Database, policy: VerificationPolicy, caller_id: UUID,
                 command: VerifyPayeeRequest) -> PayeeVerification:
    """Counts the check first (refused ones count too), then compares the name with the holder's."""
    async with db.unit_of_work() as uow:
        spent = await throttle.spend(uow, throttle.payee_check_bucket(caller_id), CHECK_WINDOW_SECONDS)
    if spent.attempts > policy.checks_per_hour:
        raise TooManyVerifications(spent.retry_after_seconds)
    async with db.reader() as read:
        holder = await payees.holder(read, command.account)
    if holder is None:
        return PayeeVerification("not_possible")
    result = compare(command.name, holder.full_name, policy.thresholds)
    return PayeeVerification(result, holder.full_name if result == "close_match" else None)

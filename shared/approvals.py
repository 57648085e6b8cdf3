"""Dual control of cash deposits (issue 16): the staff deposit route, and the second admin's decision.

A deposit up to DEPOSIT_APPROVAL_THRESHOLD (inclusive) is posted at once, as before. One strictly
above it is filed as a pending approval (202) and moves no money until another admin approves it:
the approval posts it through post_transfer in the same transaction that marks it approved, under
the approval's row lock, so two decisions racing each other post at most once (and the table's
trigger refuses a second decision whatever the code does). Staff never take, approve or reject a
deposit into an account they own, and the maker never decides their own deposit.

Pending approvals do not expire: the cash was taken at the desk, so a deposit stays pending until
an admin approves it or rejects it with a reason (the list shows pending ones first).
"""

import hashlib
from uuid import UUID

from shared import audit, cursors
from shared.auth import Principal
from shared.db import Database, UnitOfWork
from shared.domain import DepositApproval, Page, Transfer
from shared.errors import (
    ApprovalByMaker,
    ApprovalNotFound,
    ApprovalNotPending,
    OwnAccountDeposit,
    ValidationFailed,
)
from shared.ledger import REFUSALS, deposit_request_hash, deposit_result, post_deposit
from shared.models import ApprovalQuery, DepositRequest
from shared.money import format_minor
from shared.outcomes import PostingOutcome as Outcome
from shared.repositories import approvals
from shared.repositories.approvals import DepositTarget, Locked


def parse_approval_id(text: str) -> UUID:
    """An approval id from the path; ApprovalNotFound when it cannot be one."""
    try:
        return UUID(text)
    except ValueError:
        raise ApprovalNotFound("No deposit approval with that id.") from None


def _filing_refusal(target: DepositTarget | None) -> Outcome | None:
    """What post_transfer would refuse about this deposit now, so nothing is filed that could
    never be posted (its checks run again when the deposit is approved)."""
    if target is None or target.kind != "customer":
        return Outcome.RECIPIENT_NOT_FOUND
    if target.status != "active":
        return Outcome("recipient_" + target.status)
    if not target.owner_active:
        return Outcome.RECIPIENT_FROZEN
    return None


async def take_deposit(db: Database, staff: Principal, account_number: str, command: DepositRequest,
                       idempotency_key: str, correlation_id: str, threshold: int) -> Transfer | DepositApproval:
    """A cash deposit taken by staff: posted (a Transfer) up to the threshold, filed for a second
    admin (a DepositApproval) above it. The Idempotency-Key names either: a retry of the same
    request gets the same transfer or the same approval, another request under the key is refused."""
    request_hash = deposit_request_hash(account_number, command)
    async with db.unit_of_work() as uow:
        if not await approvals.lock_key(uow, staff.id, idempotency_key):
            raise REFUSALS[Outcome.IDEMPOTENCY_IN_PROGRESS]()
        filed = await approvals.by_key(uow, staff.id, idempotency_key)
        if filed is not None:
            approval, known_hash = filed
            if known_hash != request_hash:
                raise REFUSALS[Outcome.IDEMPOTENCY_REUSED]()
            return approval
        target = await approvals.deposit_target(uow, account_number)
        if target is not None and target.owner_id == staff.id:
            raise OwnAccountDeposit("You cannot deposit into an account you own: another member of staff must.")
        # A key that already names a posting goes to post_transfer, which replays it or refuses.
        if command.amount <= threshold or await approvals.key_posted(uow, staff.id, idempotency_key):
            posted = await post_deposit(uow, staff, account_number, command.amount, command.description,
                                        idempotency_key, request_hash, correlation_id)
            # Committed even when refused: the refusal is kept under the key, like a transfer's.
            await uow.commit()
            return deposit_result(posted)
        refusal = _filing_refusal(target)
        if refusal is not None:
            raise REFUSALS[refusal]()
        assert target is not None
        approval = await approvals.insert(uow, target, command.amount, command.description, staff.id,
                                          idempotency_key, request_hash)
        await audit.record(uow, staff, "deposit.requested", "account", account_number,
                           {"approval_id": str(approval.id), "amount": format_minor(approval.amount),
                            "currency": approval.currency, "threshold": format_minor(threshold)}, correlation_id)
        await uow.commit()
    return approval


async def _lock_for_decision(uow: UnitOfWork, checker: Principal, approval_id: UUID) -> Locked:
    locked = await approvals.lock(uow, approval_id)
    if locked is None:
        raise ApprovalNotFound("No deposit approval with that id.")
    if locked.maker_id == checker.id:
        raise ApprovalByMaker("You took this deposit: another admin must approve or reject it.")
    if locked.account_owner_id == checker.id:
        raise OwnAccountDeposit("This deposit is into your own account: another admin must decide it.")
    if locked.approval.status != "pending":
        raise ApprovalNotPending(f"This deposit was {locked.approval.status} already.")
    return locked


def _decision(approval: DepositApproval, checker: Principal) -> dict[str, str]:
    return {"approval_id": str(approval.id), "amount": format_minor(approval.amount), "currency": approval.currency,
            "maker": approval.maker, "checker": checker.username}


async def approve(db: Database, checker: Principal, approval_id: UUID, correlation_id: str) -> DepositApproval:
    """Posts the pending deposit (as the checker) and marks it approved, in one transaction under
    the approval's lock. A refusal of the posting (the account frozen or closed since) leaves it
    pending, to be approved later or rejected."""
    async with db.unit_of_work() as uow:
        pending = (await _lock_for_decision(uow, checker, approval_id)).approval
        # Its own key: the posting is idempotent per approval even below the row lock.
        key = f"approval:{pending.id}"
        # Raised before the commit: a refusal (the account frozen since) rolls back and is not kept
        # under the approval's key, so the approval can still be approved once the account is active.
        transfer = deposit_result(await post_deposit(uow, checker, pending.account, pending.amount,
                                                     pending.description, key, hashlib.sha256(key.encode()).digest(),
                                                     correlation_id))
        decided = await approvals.decide(uow, pending.id, "approved", checker.id, None, transfer.id)
        await audit.record(uow, checker, "deposit.approved", "account", pending.account,
                           {**_decision(pending, checker), "transfer_id": str(transfer.id)}, correlation_id)
        await uow.commit()
    return decided


async def reject(db: Database, checker: Principal, approval_id: UUID, reason: str,
                 correlation_id: str) -> DepositApproval:
    """Marks the pending deposit rejected with the checker's reason; no money moves."""
    async with db.unit_of_work() as uow:
        pending = (await _lock_for_decision(uow, checker, approval_id)).approval
        decided = await approvals.decide(uow, pending.id, "rejected", checker.id, reason, None)
        await audit.record(uow, checker, "deposit.rejected", "account", pending.account,
                           {**_decision(pending, checker), "reason": reason}, correlation_id)
        await uow.commit()
    return decided


# Above every seq the identity column can hold: the first page starts there, among the pending ones.
_FIRST_POSITION = (0, 2**63 - 1)


def _position(cursor: str | None) -> tuple[int, int]:
    text = cursors.decode_text(cursor)
    if text is None:
        return _FIRST_POSITION
    rank, _, seq = text.partition(".")
    if rank not in ("0", "1") or not seq.isascii() or not seq.isdigit() or len(seq) > 18:
        raise ValidationFailed([("cursor", "is not a cursor this API returned")])
    return int(rank), int(seq)


async def list_approvals(db: Database, query: ApprovalQuery) -> Page[DepositApproval]:
    """Pending first, then decided, newest first within each; optionally of one status."""
    async with db.reader() as read:
        rows = await approvals.page(read, query.status, _position(query.cursor), query.limit + 1)
    page = rows[: query.limit]
    next_cursor = None
    if len(rows) > query.limit:
        rank, seq = page[-1][0]
        next_cursor = cursors.encode(f"{rank}.{seq}")
    return Page([approval for _, approval in page], next_cursor)

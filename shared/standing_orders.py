"""Scheduled and standing orders: create, list, pause, resume, cancel, and the run that executes
what is due (the timer in functions/standing_orders.py calls run_due).

Each occurrence is paid at most once, however the timer fires: a runner claims one due order at a
time with FOR UPDATE SKIP LOCKED (another runner skips it), posts through post_transfer as the
order's owner (require_owner, no session: the posting checks the owner is still active), records
the execution under the unique (order, occurrence date) row and advances the order, all in one
transaction: a runner that dies before its commit leaves nothing, and the next run pays it once.
Every attempt has its own Idempotency-Key (`standing-order:{id}:{date}:{attempt}`), so the retry
of an occurrence refused for insufficient funds is a new request, never the replay of a refusal.
"""

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

from shared import ledger
from shared.db import Database, UnitOfWork
from shared.domain import Execution, StandingOrder, TransferPreview
from shared.errors import (
    AccountClosed,
    DuplicateKey,
    IdempotencyKeyReused,
    PayeeNotFound,
    StandingOrderEnded,
    StandingOrderNotFound,
    ValidationFailed,
)
from shared.models import StandingOrderRequest, TransferRequest
from shared.money import format_minor
from shared.outcomes import PostingOutcome as Outcome
from shared.repositories import payees, standing_orders
from shared.repositories.ledger import Posting, post
from shared.schedules import Schedule, bank_date, first_index_on_or_after, occurrence, retry_at

log = logging.getLogger("iebank.standing_orders")

# What the caller must prove before a new order pays `target` (shared/payment_authentication.py:
# require_sca_to_set_up_series); refuses by raising.
Authentication = Callable[[TransferPreview], Awaitable[None]]

# At most this many occurrences per run, so one run stays well inside the function timeout; the
# rest wait for the next run (every 10 minutes).
RUN_LIMIT = 500


@dataclass(frozen=True)
class RetryPolicy:
    """STANDING_ORDER_RETRY_MINUTES and STANDING_ORDER_MAX_ATTEMPTS."""

    retry_minutes: int = 120
    max_attempts: int = 3


class RunReport(NamedTuple):
    posted: int
    retrying: int
    failed: int
    stopped: int


def schedule_of(order: StandingOrder) -> Schedule:
    return Schedule(order.frequency, order.first_date, order.day_of_month, order.end_date, order.max_count)


def parse_order_id(text: str) -> UUID:
    """An order id from the path; StandingOrderNotFound when it cannot be one."""
    try:
        return UUID(text)
    except ValueError:
        raise StandingOrderNotFound("You have no standing order with that id.") from None


async def _replayed(db: Database, owner_id: UUID, idempotency_key: str, request_hash: bytes) -> StandingOrder | None:
    """The order an earlier request with this key created (the same request again), else None."""
    async with db.reader() as read:
        known = await standing_orders.by_key(read, owner_id, idempotency_key)
    if known is None:
        return None
    order, known_hash = known
    if known_hash != request_hash:
        raise IdempotencyKeyReused("This Idempotency-Key was already used with a different request. Use a new key.")
    return order


async def _no_authentication(_target: TransferPreview) -> None:
    return None


async def create(db: Database, owner_id: UUID, command: StandingOrderRequest, idempotency_key: str,
                 now: datetime, authenticate: Authentication = _no_authentication) -> StandingOrder:
    """Checks the two accounts as a transfer would (the funds only when it runs: money may arrive
    before the first date), then `authenticate` (the SCA a new series needs, given where it pays),
    then stores the order with its first occurrence due. The same request again under the same
    Idempotency-Key returns the first order (a retry never sets up a second, nor asks again)."""
    request_hash = hashlib.sha256(command.model_dump_json().encode()).digest()
    if (earlier := await _replayed(db, owner_id, idempotency_key, request_hash)) is not None:
        return earlier
    if command.first_date < bank_date(now):
        raise ValidationFailed([("first_date", "must be today or later (Europe/Dublin)")])
    target = await ledger.preview_transfer(db, owner_id, TransferRequest(  # a payee of someone else: PayeeNotFound
        from_account=command.from_account, to_account=command.to_account, payee_id=command.payee_id,
        amount=format_minor(command.amount)), check_funds=False)  # as text: minor units as an int would be euros
    await authenticate(target)
    day = command.first_date.day if command.frequency == "monthly" and command.day_of_month is None \
        else command.day_of_month
    schedule = Schedule(command.frequency, command.first_date, day, command.end_date, command.count)
    first_due = occurrence(schedule, 0)
    if first_due is None:
        raise ValidationFailed([("end_date", "leaves no payment: the first one would fall after it")])
    try:
        async with db.unit_of_work() as uow:
            if command.payee_id is not None and await payees.lock_for_order(uow, owner_id, command.payee_id) is None:
                raise PayeeNotFound("You have no payee with that id.")  # deleted since the check
            order_id = await standing_orders.insert(
                uow, owner_id, command.from_account, command.to_account, command.payee_id, command.amount,
                command.description,
                command.frequency, command.first_date, day, command.end_date, command.count, first_due,
                idempotency_key, request_hash)
            if order_id is None:  # closed or frozen since the check
                raise AccountClosed("Your account can no longer send money.")
            order = await standing_orders.owned(uow, owner_id, order_id)
            await uow.commit()
    except DuplicateKey:  # the same key, sent twice at once: the other request created it
        if (earlier := await _replayed(db, owner_id, idempotency_key, request_hash)) is None:
            raise
        return earlier
    assert order is not None
    return order


async def list_orders(db: Database, owner_id: UUID) -> list[StandingOrder]:
    async with db.reader() as read:
        return await standing_orders.of_owner(read, owner_id)


async def get(db: Database, owner_id: UUID, order_id: UUID) -> StandingOrder:
    """The owner's order; StandingOrderNotFound for anyone else's."""
    async with db.reader() as read:
        order = await standing_orders.owned(read, owner_id, order_id)
    if order is None:
        raise StandingOrderNotFound("You have no standing order with that id.")
    return order


async def executions(db: Database, owner_id: UUID, order_id: UUID) -> list[Execution]:
    """The order's attempted occurrences, newest first."""
    async with db.reader() as read:
        if await standing_orders.owned(read, owner_id, order_id) is None:
            raise StandingOrderNotFound("You have no standing order with that id.")
        return await standing_orders.executions(read, order_id)


def _resumed(order: StandingOrder, now: datetime) -> StandingOrder:
    """Active again from today: occurrences that fell while it was paused are skipped, not paid late."""
    schedule = schedule_of(order)
    index = first_index_on_or_after(schedule, bank_date(now), order.next_index)
    next_date = occurrence(schedule, index)
    if index != order.next_index:
        order = replace(order, attempts=0, retry_at=None)
    return replace(order, status="active" if next_date else "completed", next_index=index, next_date=next_date)


async def change_status(db: Database, owner_id: UUID, order_id: UUID, status: str, now: datetime) -> StandingOrder:
    """Pauses (`paused`), resumes (`active`) or cancels (`cancelled`) the owner's order. Asking for
    the status it has changes nothing; an order that ended (cancelled, completed, stopped) stays so."""
    async with db.unit_of_work() as uow:
        # Locked: a runner paying this order finishes first, so the state changed is the one after it.
        order = await standing_orders.lock_owned(uow, owner_id, order_id)
        if order is None:
            raise StandingOrderNotFound("You have no standing order with that id.")
        if order.status == status:
            return order
        if order.status not in ("active", "paused"):
            raise StandingOrderEnded(f"This standing order is {order.status}: set up a new one instead.")
        if status == "paused":
            changed = replace(order, status="paused")
        elif status == "active":
            changed = _resumed(order, now)
            await standing_orders.give_up_retrying(uow, order.id, changed.next_date)
        else:
            changed = replace(order, status="cancelled", next_date=None, retry_at=None)
            await standing_orders.give_up_retrying(uow, order.id, None)
        await standing_orders.save_state(uow, changed)
        await uow.commit()
    return changed


# ---- the run ----------------------------------------------------------------------------------

def _advanced(order: StandingOrder) -> StandingOrder:
    """The order after its current occurrence ended (paid or failed)."""
    index = order.next_index + 1
    next_date = occurrence(schedule_of(order), index)
    return replace(order, status="active" if next_date else "completed", next_index=index, next_date=next_date,
                   attempts=0, retry_at=None)


async def _execute(uow: UnitOfWork, order: StandingOrder, now: datetime, policy: RetryPolicy) -> str | None:
    """Attempts the order's due occurrence; what became of it ('posted', 'retrying', 'failed',
    'stopped'), or None when it must be left to a later run (nothing to commit)."""
    assert order.next_date is not None
    to_account = order.to_account
    if order.payee_id is not None:  # the payee's account, read and locked in the posting's transaction
        to_account = await payees.lock_for_run(uow, order.payee_id)
        if to_account is None:  # being deleted (the order then stops) or changed just now
            return None
    assert to_account is not None
    attempt = order.attempts + 1
    key = f"standing-order:{order.id}:{order.next_date.isoformat()}:{attempt}"
    posted = await post(uow, Posting(
        initiator=order.owner_id, from_account=order.from_account, to_account=to_account,
        amount=order.amount, description=order.description or "Standing order", kind="transfer",
        idempotency_key=key, request_hash=hashlib.sha256(key.encode()).digest(), require_owner=True))
    outcome = posted.outcome
    if outcome is Outcome.IDEMPOTENCY_IN_PROGRESS:
        return None
    later = None
    if outcome in (Outcome.POSTED, Outcome.REPLAYED):
        assert posted.transfer is not None
        result, changed, transfer_id = "posted", _advanced(order), posted.transfer.id
        if order.payee_id is not None:
            await payees.mark_paid(uow, order.payee_id)
    elif outcome is Outcome.INSUFFICIENT_FUNDS:
        later = retry_at(now, attempt, policy.max_attempts, policy.retry_minutes)
        transfer_id = None
        if later is not None:
            result, changed = "retrying", replace(order, attempts=attempt, retry_at=later)
        else:
            result, changed = "failed", _advanced(order)
    else:  # the account frozen or closed, the owner deactivated, the recipient gone: the order stops
        result, transfer_id = "stopped", None
        changed = replace(order, status="stopped", stopped_reason=outcome.value, next_date=None, retry_at=None)
    recorded = await standing_orders.record_execution(
        uow, order.id, order.next_date, "failed" if result == "stopped" else result, attempt,
        "posted" if result == "posted" else outcome.value, transfer_id, later)
    if not recorded:  # this occurrence ended in an earlier transaction: never pay it again
        return None
    await standing_orders.save_state(uow, changed)
    return result


async def run_due(db: Database, now: datetime, policy: RetryPolicy = RetryPolicy(),
                  limit: int = RUN_LIMIT) -> RunReport:
    """Executes every occurrence due at `now` (the bank's date, Europe/Dublin), each in a
    transaction of its own; safe to run twice at once or again after a crash."""
    counts = {"posted": 0, "retrying": 0, "failed": 0, "stopped": 0}
    today = bank_date(now)
    passed_over: list[UUID] = []  # left to a later run: never one order holding up the others
    for _ in range(limit):
        async with db.unit_of_work() as uow:
            order = await standing_orders.claim_due(uow, today, now, passed_over)
            if order is None:
                break
            result = await _execute(uow, order, now, policy)
            if result is not None:
                await uow.commit()
        if result is None:
            log.warning("standing order %s left to a later run: its occurrence of %s is already being "
                        "posted or has ended, or its payee is being changed", order.id, order.next_date)
            passed_over.append(order.id)
        else:
            counts[result] += 1
    return RunReport(**counts)

"""Standing orders and their executions (migrations/0010_standing_orders.sql)."""

from datetime import date, datetime
from uuid import UUID

from shared.db import Reader, Row, UnitOfWork
from shared.domain import Execution, StandingOrder

# An order to a payee pays the payee's account (which never changes): to_account shows it.
_COLUMNS = """o.id, o.owner_id, a.number AS from_account, COALESCE(o.to_account, p.account) AS to_account,
              o.payee_id, o.amount, a.currency,
              o.description, o.frequency, o.first_date, o.day_of_month, o.end_date, o.max_count, o.status,
              o.stopped_reason, o.next_index, o.next_date, o.attempts, o.retry_at, o.created_at"""
_FROM = (" FROM standing_orders o JOIN accounts a ON a.id = o.from_account_id"
         " LEFT JOIN payees p ON p.id = o.payee_id")
_SELECT = "SELECT " + _COLUMNS + _FROM

_EXECUTION_COLUMNS = "occurrence_date, status, attempts, outcome, transfer_id, next_attempt_at, updated_at"


def _order(row: Row) -> StandingOrder:
    return StandingOrder(**{**row, "currency": row["currency"].strip()})


async def insert(uow: UnitOfWork, owner_id: UUID, from_account: str, to_account: str | None,
                 payee_id: UUID | None, amount: int, description: str, frequency: str, first_date: date,
                 day_of_month: int | None, end_date: date | None, max_count: int | None, next_date: date,
                 idempotency_key: str, request_hash: bytes) -> UUID | None:
    """The new order's id; None unless from_account is the owner's and active. The account's row is
    share-locked, so a concurrent closing of it either waits for this order or is seen here. The
    recipient is to_account or payee_id (the caller locks the payee first: payees.lock_for_order)."""
    row = await uow.fetch_one(
        "INSERT INTO standing_orders (owner_id, from_account_id, to_account, payee_id, amount, description,"
        " frequency, first_date, day_of_month, end_date, max_count, next_date, idempotency_key, request_hash)"
        " SELECT %(owner)s, a.id, %(to)s, %(payee)s, %(amount)s, %(description)s, %(frequency)s, %(first)s,"
        " %(day)s, %(end)s, %(count)s, %(first_due)s, %(key)s, %(hash)s"
        " FROM (SELECT id FROM accounts WHERE number = %(from)s AND owner_id = %(owner)s AND status = 'active'"
        " FOR SHARE) a RETURNING id",
        {"owner": owner_id, "from": from_account, "to": to_account, "payee": payee_id, "amount": amount,
         "description": description,
         "frequency": frequency, "first": first_date, "day": day_of_month, "end": end_date, "count": max_count,
         "first_due": next_date,
         "key": idempotency_key, "hash": request_hash})
    return None if row is None else UUID(str(row["id"]))


async def by_key(db: Reader, owner_id: UUID, idempotency_key: str) -> tuple[StandingOrder, bytes] | None:
    """The order created with this Idempotency-Key, and the hash of the request that created it."""
    row = await db.fetch_one(
        "SELECT o.request_hash, " + _COLUMNS + _FROM + " WHERE o.owner_id = %s AND o.idempotency_key = %s",
        (owner_id, idempotency_key))
    if row is None:
        return None
    request_hash = bytes(row.pop("request_hash"))
    return _order(row), request_hash


async def of_owner(db: Reader, owner_id: UUID) -> list[StandingOrder]:
    rows = await db.fetch_all(_SELECT + " WHERE o.owner_id = %s ORDER BY o.created_at, o.id", (owner_id,))
    return [_order(row) for row in rows]


async def owned(db: Reader, owner_id: UUID, order_id: UUID) -> StandingOrder | None:
    row = await db.fetch_one(_SELECT + " WHERE o.id = %s AND o.owner_id = %s", (order_id, owner_id))
    return None if row is None else _order(row)


async def lock_owned(uow: UnitOfWork, owner_id: UUID, order_id: UUID) -> StandingOrder | None:
    """The order, locked until commit (a runner executing it finishes first)."""
    row = await uow.fetch_one(_SELECT + " WHERE o.id = %s AND o.owner_id = %s FOR UPDATE OF o",
                              (order_id, owner_id))
    return None if row is None else _order(row)


async def claim_due(uow: UnitOfWork, today: date, now: datetime, passed_over: list[UUID]) -> StandingOrder | None:
    """One active order whose next occurrence is due (today or earlier in the bank's calendar, and
    past its retry time), locked until commit, other than those passed over. Orders another runner
    holds are skipped, never waited for: two runners never take the same one."""
    row = await uow.fetch_one(
        _SELECT + " WHERE o.status = 'active' AND o.next_date <= %s AND (o.retry_at IS NULL OR o.retry_at <= %s)"
        " AND o.id <> ALL(%s::uuid[]) ORDER BY o.next_date, o.id LIMIT 1 FOR UPDATE OF o SKIP LOCKED",
        (today, now, passed_over))
    return None if row is None else _order(row)


async def save_state(uow: UnitOfWork, order: StandingOrder) -> None:
    """Writes what changes as an order runs or its owner pauses, resumes or cancels it."""
    await uow.execute(
        "UPDATE standing_orders SET status = %(status)s, stopped_reason = %(reason)s, next_index = %(index)s,"
        " next_date = %(next)s, attempts = %(attempts)s, retry_at = %(retry)s, updated_at = now()"
        " WHERE id = %(id)s",
        {"status": order.status, "reason": order.stopped_reason, "index": order.next_index,
         "next": order.next_date, "attempts": order.attempts, "retry": order.retry_at, "id": order.id})


async def record_execution(uow: UnitOfWork, order_id: UUID, occurrence_date: date, status: str, attempts: int,
                           outcome: str, transfer_id: UUID | None, next_attempt_at: datetime | None) -> bool:
    """Records an attempt of one occurrence. False (nothing written) when the occurrence already
    ended (posted or failed): the unique (order, occurrence) row is the last guard against paying twice."""
    row = await uow.fetch_one(
        "INSERT INTO standing_order_executions (order_id, occurrence_date, status, attempts, outcome, transfer_id,"
        " next_attempt_at) VALUES (%(order)s, %(date)s, %(status)s, %(attempts)s, %(outcome)s, %(transfer)s,"
        " %(next)s)"
        " ON CONFLICT (order_id, occurrence_date) DO UPDATE SET status = excluded.status,"
        " attempts = excluded.attempts, outcome = excluded.outcome, transfer_id = excluded.transfer_id,"
        " next_attempt_at = excluded.next_attempt_at, updated_at = now()"
        " WHERE standing_order_executions.status = 'retrying' RETURNING id",
        {"order": order_id, "date": occurrence_date, "status": status, "attempts": attempts, "outcome": outcome,
         "transfer": transfer_id, "next": next_attempt_at})
    return row is not None


async def give_up_retrying(uow: UnitOfWork, order_id: UUID, before: date | None) -> None:
    """An occurrence waiting for a retry that will not come (skipped by a pause, or the order
    cancelled) is failed with the refusal it last had."""
    await uow.execute(
        "UPDATE standing_order_executions SET status = 'failed', next_attempt_at = NULL, updated_at = now()"
        " WHERE order_id = %s AND status = 'retrying' AND (%s::date IS NULL OR occurrence_date < %s::date)",
        (order_id, before, before))


async def executions(db: Reader, order_id: UUID) -> list[Execution]:
    rows = await db.fetch_all("SELECT " + _EXECUTION_COLUMNS + " FROM standing_order_executions"
                              " WHERE order_id = %s ORDER BY occurrence_date DESC", (order_id,))
    return [Execution(**row) for row in rows]


async def live_from_account(db: Reader, number: str) -> bool:
    """Whether an active or paused order pays from the account."""
    row = await db.fetch_one(
        "SELECT EXISTS (SELECT 1 FROM standing_orders o JOIN accounts a ON a.id = o.from_account_id"
        " WHERE a.number = %s AND o.status IN ('active', 'paused')) AS live", (number,))
    return bool(row and row["live"])


async def detach_payee(uow: UnitOfWork, payee_id: UUID, account: str) -> list[UUID]:
    """Before the payee is deleted (its row locked by the caller): every order naming it keeps the
    payee's account as to_account and loses payee_id; an active or paused one stops
    ('payee_deleted') and its occurrence waiting for a retry fails. The ids of the orders stopped."""
    rows = await uow.fetch_all(
        "UPDATE standing_orders SET to_account = %(account)s, payee_id = NULL,"
        " stopped_reason = CASE WHEN status IN ('active', 'paused') THEN 'payee_deleted' ELSE stopped_reason END,"
        " next_date = CASE WHEN status IN ('active', 'paused') THEN NULL ELSE next_date END,"
        " retry_at = CASE WHEN status IN ('active', 'paused') THEN NULL ELSE retry_at END,"
        " status = CASE WHEN status IN ('active', 'paused') THEN 'stopped' ELSE status END, updated_at = now()"
        " WHERE payee_id = %(payee)s RETURNING id, status, stopped_reason",
        {"account": account, "payee": payee_id})
    stopped = [UUID(str(row["id"])) for row in rows
               if row["status"] == "stopped" and row["stopped_reason"] == "payee_deleted"]
    for order_id in stopped:
        await give_up_retrying(uow, order_id, None)
    return stopped

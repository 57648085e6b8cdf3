"""Standing orders against a real PostgreSQL, with the clock driven by the test: each occurrence is
paid exactly once whether the timer fires twice, two runners race or one dies mid-run; a payment
short of funds is retried later that day and then failed; a frozen or closed account stops its order."""

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from ops.reconcile import reconcile
from shared import standing_orders
from shared.db import Database
from shared.errors import AccountHasStandingOrders, IdempotencyKeyReused, StandingOrderEnded
from shared.models import StandingOrderRequest, UpdateOwnAccountRequest
from shared.schedules import bank_date
from shared.standing_orders import RetryPolicy, run_due
from tests.helpers import deposit
from tests.integration.test_ledger import balance, new_customer

POLICY = RetryPolicy(retry_minutes=120, max_attempts=3)


def at(year: int, month: int, day: int, hour: int = 8, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def only_this_tests_orders(sql):
    """Runs execute every due order in the database: orders other tests left live are ended first,
    so a driven clock years ahead pays only what this test set up."""
    sql.execute("UPDATE standing_orders SET status = 'cancelled', next_date = NULL, retry_at = NULL"
                " WHERE status IN ('active', 'paused')")


def create(run, runtime, owner, source, target, amount="10.00", now=None, **schedule):
    first_date = schedule.pop("first_date")
    command = StandingOrderRequest(from_account=source, to_account=target, amount=amount, first_date=first_date,
                                   **schedule)
    return run(standing_orders.create(runtime.db, owner.id, command, str(uuid.uuid4()),
                                      now or at(first_date.year, first_date.month, first_date.day, 0, 0)))


def order_now(run, runtime, owner, order):
    return run(standing_orders.get(runtime.db, owner.id, order.id))


def executions(run, runtime, owner, order):
    return run(standing_orders.executions(runtime.db, owner.id, order.id))


def transfers_of(sql, order) -> int:
    return sql.execute("SELECT count(*) FROM transfers WHERE idempotency_key LIKE %s",
                       (f"standing-order:{order.id}:%",)).fetchone()[0]


def test_a_monthly_order_on_the_31st_pays_once_per_month_even_when_the_timer_fires_twice(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "100.00")
    _, bob_account = new_customer(run, runtime)
    order = create(run, runtime, alice, alice_account, bob_account, "10.00", first_date=date(2031, 1, 31),
                   frequency="monthly")
    assert (order.day_of_month, order.next_date, order.status) == (31, date(2031, 1, 31), "active")

    assert run(run_due(runtime.db, at(2031, 1, 30, 23, 59), POLICY)).posted == 0  # not yet its day
    assert run(run_due(runtime.db, at(2031, 1, 31), POLICY)).posted == 1
    assert run(run_due(runtime.db, at(2031, 1, 31), POLICY)).posted == 0  # the timer fires again
    assert run(run_due(runtime.db, at(2031, 1, 31, 9), POLICY)).posted == 0
    assert balance(sql, alice_account) == 9000 and balance(sql, bob_account) == 1000
    assert order_now(run, runtime, alice, order).next_date == date(2031, 2, 28)

    run(run_due(runtime.db, at(2031, 2, 28), POLICY))
    run(run_due(runtime.db, at(2031, 2, 28, 12), POLICY))
    assert balance(sql, bob_account) == 2000 and transfers_of(sql, order) == 2
    history = executions(run, runtime, alice, order)
    assert [(e.occurrence_date, e.status, e.attempts) for e in history] == [
        (date(2031, 2, 28), "posted", 1), (date(2031, 1, 31), "posted", 1)]
    assert all(e.transfer_id is not None for e in history)
    assert order_now(run, runtime, alice, order).next_date == date(2031, 3, 31)
    assert reconcile(runtime.settings.database_url) == []


def test_the_day_begins_at_midnight_in_dublin_not_in_utc(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "10.00")
    _, bob_account = new_customer(run, runtime)
    create(run, runtime, alice, alice_account, bob_account, "1.00", first_date=date(2031, 7, 1),
           now=at(2031, 6, 30, 12))
    assert run(run_due(runtime.db, at(2031, 6, 30, 22, 59), POLICY)).posted == 0
    assert run(run_due(runtime.db, at(2031, 6, 30, 23, 0), POLICY)).posted == 1  # 00:00 IST on 1 July
    assert balance(sql, bob_account) == 100


def test_two_runners_at_once_on_separate_connections_pay_each_occurrence_once(run, runtime, settings, sql):
    payer, payer_account = new_customer(run, runtime, "1000.00")
    recipients = [new_customer(run, runtime)[1] for _ in range(4)]
    orders = [create(run, runtime, payer, payer_account, recipients[i % 4], "1.00", first_date=date(2031, 3, 3),
                     frequency="weekly", count=2)
              for i in range(12)]
    other = Database(settings)

    async def race(now):
        return await asyncio.gather(run_due(runtime.db, now, POLICY), run_due(other, now, POLICY),
                                    run_due(runtime.db, now, POLICY))

    try:
        first = run(race(at(2031, 3, 3)))
        again = run(race(at(2031, 3, 3, 9)))
    finally:
        run(other.close())
    assert sum(report.posted for report in first) == 12 and sum(report.posted for report in again) == 0
    assert all(transfers_of(sql, order) == 1 for order in orders)
    assert balance(sql, payer_account) == 100000 - 1200
    assert sum(balance(sql, number) for number in recipients) == 1200


def test_a_run_that_dies_after_claiming_posts_nothing_and_the_next_run_posts_once(run, runtime, sql, monkeypatch):
    alice, alice_account = new_customer(run, runtime, "50.00")
    _, bob_account = new_customer(run, runtime)
    order = create(run, runtime, alice, alice_account, bob_account, "20.00", first_date=date(2031, 5, 6))

    async def dies(*args, **kwargs):  # after post_transfer ran in the transaction: the instance is gone
        raise RuntimeError("the instance died")

    monkeypatch.setattr(standing_orders.standing_orders, "record_execution", dies)
    with pytest.raises(RuntimeError, match="died"):
        run(run_due(runtime.db, at(2031, 5, 6), POLICY))
    assert balance(sql, alice_account) == 5000 and transfers_of(sql, order) == 0
    assert executions(run, runtime, alice, order) == []
    monkeypatch.undo()

    assert run(run_due(runtime.db, at(2031, 5, 6, 8, 10), POLICY)).posted == 1
    assert run(run_due(runtime.db, at(2031, 5, 6, 8, 20), POLICY)).posted == 0
    assert balance(sql, alice_account) == 3000 and transfers_of(sql, order) == 1
    assert order_now(run, runtime, alice, order).status == "completed"


def test_a_payment_short_of_funds_is_retried_later_that_day_then_failed_and_shown(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "5.00")
    _, bob_account = new_customer(run, runtime)
    order = create(run, runtime, alice, alice_account, bob_account, "10.00", first_date=date(2031, 9, 1),
                   frequency="monthly")
    run(run_due(runtime.db, at(2031, 9, 1, 6), POLICY))
    [first] = executions(run, runtime, alice, order)
    assert (first.status, first.attempts, first.outcome) == ("retrying", 1, "insufficient_funds")
    assert first.next_attempt_at == at(2031, 9, 1, 8)
    assert run(run_due(runtime.db, at(2031, 9, 1, 7, 59), POLICY)).retrying == 0  # not before its time
    run(run_due(runtime.db, at(2031, 9, 1, 8), POLICY))
    run(run_due(runtime.db, at(2031, 9, 1, 10), POLICY))
    [failed] = executions(run, runtime, alice, order)
    assert (failed.status, failed.attempts, failed.outcome, failed.transfer_id) == (
        "failed", 3, "insufficient_funds", None)
    assert balance(sql, alice_account) == 500 and transfers_of(sql, order) == 0
    after = order_now(run, runtime, alice, order)
    assert (after.status, after.next_date, after.attempts) == ("active", date(2031, 10, 1), 0)
    run(run_due(runtime.db, at(2031, 9, 1, 12), POLICY))
    assert len(executions(run, runtime, alice, order)) == 1  # a failed occurrence is not tried again


def test_money_that_arrives_before_the_retry_is_paid_under_a_new_key(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime)
    _, bob_account = new_customer(run, runtime)
    order = create(run, runtime, alice, alice_account, bob_account, "10.00", first_date=date(2031, 9, 2))
    run(run_due(runtime.db, at(2031, 9, 2, 6), POLICY))
    deposit(runtime.settings.database_url, alice_account, "10.00")
    assert run(run_due(runtime.db, at(2031, 9, 2, 8), POLICY)).posted == 1
    [paid] = executions(run, runtime, alice, order)
    assert (paid.status, paid.attempts, paid.outcome) == ("posted", 2, "posted")
    key = sql.execute("SELECT idempotency_key FROM transfers WHERE id = %s", (paid.transfer_id,)).fetchone()[0]
    assert key == f"standing-order:{order.id}:2031-09-02:2"
    assert balance(sql, bob_account) == 1000


def test_a_late_retry_that_would_fall_on_the_next_day_fails_at_once(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime)
    _, bob_account = new_customer(run, runtime)
    order = create(run, runtime, alice, alice_account, bob_account, "1.00", first_date=date(2031, 1, 7))
    run(run_due(runtime.db, at(2031, 1, 7, 22, 30), POLICY))
    [failed] = executions(run, runtime, alice, order)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert order_now(run, runtime, alice, order).status == "completed"


@pytest.mark.parametrize(("case", "reason"), [
    ("source_frozen", "source_frozen"), ("source_closed", "source_closed"),
    ("owner_deactivated", "caller_inactive"), ("recipient_closed", "recipient_closed"),
])
def test_an_order_whose_account_is_frozen_or_closed_stops(run, runtime, sql, case, reason):
    alice, alice_account = new_customer(run, runtime, "100.00")
    bob, bob_account = new_customer(run, runtime)
    order = create(run, runtime, alice, alice_account, bob_account, "10.00", first_date=date(2031, 4, 1),
                   frequency="weekly")
    run(run_due(runtime.db, at(2031, 4, 1), POLICY))
    if case == "source_frozen":
        sql.execute("UPDATE accounts SET status = 'frozen' WHERE number = %s", (alice_account,))
    elif case == "source_closed":
        sql.execute("UPDATE accounts SET status = 'closed' WHERE number = %s", (alice_account,))
    elif case == "owner_deactivated":
        sql.execute("UPDATE users SET active = false WHERE id = %s", (alice.id,))
    else:
        sql.execute("UPDATE accounts SET status = 'closed' WHERE number = %s", (bob_account,))
    assert run(run_due(runtime.db, at(2031, 4, 8), POLICY)).stopped == 1
    stopped = order_now(run, runtime, alice, order)
    assert (stopped.status, stopped.stopped_reason, stopped.next_date) == ("stopped", reason, None)
    latest = executions(run, runtime, alice, order)[0]
    assert (latest.occurrence_date, latest.status, latest.outcome) == (date(2031, 4, 8), "failed", reason)
    # Thawed or not, a stopped order stays stopped: nothing more leaves the account.
    sql.execute("UPDATE accounts SET status = 'active' WHERE number IN (%s, %s)", (alice_account, bob_account))
    sql.execute("UPDATE users SET active = true WHERE id = %s", (alice.id,))
    run(run_due(runtime.db, at(2031, 4, 15), POLICY))
    assert balance(sql, alice_account) == 9000 and transfers_of(sql, order) == 1
    with pytest.raises(StandingOrderEnded):
        run(standing_orders.change_status(runtime.db, alice.id, order.id, "active", at(2031, 4, 15)))


def test_a_paused_order_skips_what_fell_meanwhile_and_a_cancelled_one_never_pays(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "100.00")
    _, bob_account = new_customer(run, runtime)
    weekly = create(run, runtime, alice, alice_account, bob_account, "1.00", first_date=date(2031, 3, 3),
                    frequency="weekly")
    run(run_due(runtime.db, at(2031, 3, 3), POLICY))
    paused = run(standing_orders.change_status(runtime.db, alice.id, weekly.id, "paused", at(2031, 3, 4)))
    assert paused.status == "paused"
    run(run_due(runtime.db, at(2031, 3, 10), POLICY))
    run(run_due(runtime.db, at(2031, 3, 17), POLICY))
    resumed = run(standing_orders.change_status(runtime.db, alice.id, weekly.id, "active", at(2031, 3, 20)))
    assert (resumed.status, resumed.next_date) == ("active", date(2031, 3, 24))
    run(run_due(runtime.db, at(2031, 3, 24), POLICY))
    assert transfers_of(sql, weekly) == 2 and balance(sql, bob_account) == 200

    cancelled = run(standing_orders.change_status(runtime.db, alice.id, weekly.id, "cancelled", at(2031, 3, 25)))
    assert (cancelled.status, cancelled.next_date) == ("cancelled", None)
    run(run_due(runtime.db, at(2031, 4, 30), POLICY))
    assert transfers_of(sql, weekly) == 2
    with pytest.raises(StandingOrderEnded):
        run(standing_orders.change_status(runtime.db, alice.id, weekly.id, "paused", at(2031, 4, 30)))


def test_occurrences_missed_while_the_timer_was_down_are_each_paid_once(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "100.00")
    _, bob_account = new_customer(run, runtime)
    order = create(run, runtime, alice, alice_account, bob_account, "3.00", first_date=date(2031, 2, 2),
                   frequency="weekly", end_date=date(2031, 2, 16))
    assert run(run_due(runtime.db, at(2031, 3, 1), POLICY)).posted == 3
    assert run(run_due(runtime.db, at(2031, 3, 1) + timedelta(minutes=10), POLICY)).posted == 0
    assert [e.occurrence_date for e in executions(run, runtime, alice, order)] == [
        date(2031, 2, 16), date(2031, 2, 9), date(2031, 2, 2)]
    assert order_now(run, runtime, alice, order).status == "completed"
    assert balance(sql, bob_account) == 900


def test_an_account_with_a_live_order_cannot_be_closed_until_the_order_is_cancelled(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime)
    _, bob_account = new_customer(run, runtime)
    order = create(run, runtime, alice, alice_account, bob_account, "1.00", first_date=date(2031, 8, 8),
                   frequency="monthly")
    from shared import accounts

    close = UpdateOwnAccountRequest(status="closed")
    with pytest.raises(AccountHasStandingOrders):
        run(accounts.update_own_account(runtime.db, alice, alice_account, close, "test"))
    run(standing_orders.change_status(runtime.db, alice.id, order.id, "paused", at(2031, 8, 1)))
    with pytest.raises(AccountHasStandingOrders):
        run(accounts.update_own_account(runtime.db, alice, alice_account, close, "test"))
    run(standing_orders.change_status(runtime.db, alice.id, order.id, "cancelled", at(2031, 8, 1)))
    assert run(accounts.update_own_account(runtime.db, alice, alice_account, close, "test")).status == "closed"


def test_a_retried_creation_under_the_same_key_sets_up_one_order_and_another_body_is_refused(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime)
    _, bob_account = new_customer(run, runtime)
    command = StandingOrderRequest(from_account=alice_account, to_account=bob_account, amount="5.00",
                                   first_date=date(2031, 6, 1), frequency="weekly")
    key, now = str(uuid.uuid4()), at(2031, 5, 1)

    async def twice_at_once():
        return await asyncio.gather(*(standing_orders.create(runtime.db, alice.id, command, key, now)
                                      for _ in range(3)))

    first, *others = run(twice_at_once())
    assert all(order.id == first.id for order in others)
    # Later, even once the first date has passed, the same request still answers with the first order.
    assert run(standing_orders.create(runtime.db, alice.id, command, key, at(2031, 7, 1))).id == first.id
    assert len(run(standing_orders.list_orders(runtime.db, alice.id))) == 1
    with pytest.raises(IdempotencyKeyReused):
        run(standing_orders.create(runtime.db, alice.id, command.model_copy(update={"amount": 600}), key, now))


def test_the_timer_function_pays_what_is_due_today_and_logs_what_it_did(run, runtime, sql, caplog):
    import logging

    import function_app
    from shared.openapi import registered_functions

    alice, alice_account = new_customer(run, runtime, "10.00")
    _, bob_account = new_customer(run, runtime)
    now = datetime.now(UTC)
    create(run, runtime, alice, alice_account, bob_account, "4.00", first_date=bank_date(now), now=now)
    timer = {f.get_function_name(): f.get_user_function() for f in registered_functions(function_app.app)}
    with caplog.at_level(logging.INFO, logger="iebank.standing_orders"):
        run(timer["run_standing_orders"](None))
    assert balance(sql, bob_account) == 400
    assert "standing orders: 1 posted, 0 to retry, 0 failed, 0 stopped" in caplog.text


def test_an_occurrence_already_ended_is_never_paid_again_and_holds_up_no_other_order(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "10.00")
    bob, bob_account = new_customer(run, runtime, "10.00")
    _, carol_account = new_customer(run, runtime)
    stuck = create(run, runtime, alice, alice_account, carol_account, "1.00", first_date=date(2031, 11, 3))
    fine = create(run, runtime, bob, bob_account, carol_account, "2.00", first_date=date(2031, 11, 3))
    # As if an earlier run had ended this occurrence without advancing the order: the unique
    # (order, occurrence) row refuses a second ending, so the payment is rolled back.
    sql.execute("INSERT INTO standing_order_executions (order_id, occurrence_date, status, attempts, outcome)"
                " VALUES (%s, '2031-11-03', 'failed', 1, 'insufficient_funds')", (stuck.id,))
    report = run(run_due(runtime.db, at(2031, 11, 3), POLICY))
    assert report.posted == 1
    assert balance(sql, alice_account) == 1000 and transfers_of(sql, stuck) == 0
    assert transfers_of(sql, fine) == 1 and balance(sql, carol_account) == 200
    assert order_now(run, runtime, alice, stuck).next_date == date(2031, 11, 3)

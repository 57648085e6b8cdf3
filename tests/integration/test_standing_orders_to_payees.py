"""Standing orders to a saved payee, and the history filter by payee, against a real PostgreSQL:
each run pays the payee's account in the posting's transaction and marks the payee paid; deleting
the payee stops its live orders (payee-deleted) and keeps the account they paid; a run never waits
for a payee being deleted; someone else's payee is never paid nor filtered by."""

import asyncio
import uuid
from datetime import UTC, date, datetime

import pytest

from shared import history, payees, standing_orders
from shared.errors import PayeeNotFound, ValidationFailed
from shared.models import HistoryQuery, PayeeRequest, StandingOrderRequest, UpdatePayeeRequest
from shared.standing_orders import run_due
from tests.integration.test_ledger import balance, new_customer
from tests.integration.test_standing_orders import POLICY, at, executions, only_this_tests_orders, order_now
from tests.integration.test_statements_and_filters import posted_at

__all__ = ["only_this_tests_orders"]  # the autouse fixture: runs pay only this test's orders


def add_payee(run, runtime, owner, account: str, name: str = "Landlord"):
    return run(payees.add_payee(runtime.db, owner.id, PayeeRequest(name=name, account=account)))


def to_payee(run, runtime, owner, source, payee_id, amount="10.00", **schedule):
    first_date = schedule.pop("first_date")
    command = StandingOrderRequest(from_account=source, payee_id=payee_id, amount=amount, first_date=first_date,
                                   **schedule)
    return run(standing_orders.create(runtime.db, owner.id, command, str(uuid.uuid4()),
                                      at(first_date.year, first_date.month, first_date.day, 0, 0)))


def last_paid(sql, payee_id):
    return sql.execute("SELECT last_paid_at FROM payees WHERE id = %s", (payee_id,)).fetchone()[0]


def test_an_order_to_a_payee_pays_the_payees_account_each_time_and_marks_it_paid(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "100.00")
    _, bob_account = new_customer(run, runtime)
    payee = add_payee(run, runtime, alice, bob_account)
    order = to_payee(run, runtime, alice, alice_account, payee.id, "10.00", first_date=date(2032, 1, 5),
                     frequency="weekly", count=2)
    assert (order.payee_id, order.to_account, order.status) == (payee.id, bob_account, "active")
    assert sql.execute("SELECT to_account FROM standing_orders WHERE id = %s", (order.id,)).fetchone()[0] is None
    assert last_paid(sql, payee.id) is None

    assert run(run_due(runtime.db, at(2032, 1, 5), POLICY)).posted == 1
    assert balance(sql, alice_account) == 9000 and balance(sql, bob_account) == 1000
    first_paid = last_paid(sql, payee.id)
    assert first_paid is not None
    run(payees.update_payee(runtime.db, alice.id, payee.id, UpdatePayeeRequest(name="Bob, rent")))  # renamed
    assert run(run_due(runtime.db, at(2032, 1, 12), POLICY)).posted == 1
    assert balance(sql, bob_account) == 2000 and last_paid(sql, payee.id) > first_paid
    assert [e.status for e in executions(run, runtime, alice, order)] == ["posted", "posted"]
    assert order_now(run, runtime, alice, order).status == "completed"


def test_someone_elses_or_an_unknown_payee_is_not_found_and_ones_own_account_is_refused(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "100.00")
    bob, bob_account = new_customer(run, runtime)
    _, carol_account = new_customer(run, runtime)
    bobs_payee = add_payee(run, runtime, bob, carol_account)
    for payee_id in (bobs_payee.id, uuid.uuid4()):
        with pytest.raises(PayeeNotFound):
            to_payee(run, runtime, alice, alice_account, payee_id, first_date=date(2032, 2, 1))
    own = add_payee(run, runtime, alice, alice_account, "Me")
    with pytest.raises(ValidationFailed) as refused:
        to_payee(run, runtime, alice, alice_account, own.id, first_date=date(2032, 2, 1))
    assert [field for field, _ in refused.value.errors] == ["payee_id"]
    assert sql.execute("SELECT count(*) FROM standing_orders WHERE owner_id = %s", (alice.id,)).fetchone()[0] == 0


def test_deleting_a_payee_stops_its_live_orders_and_keeps_the_account_they_paid(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "100.00")
    _, bob_account = new_customer(run, runtime)
    payee = add_payee(run, runtime, alice, bob_account)
    active = to_payee(run, runtime, alice, alice_account, payee.id, "60.00", first_date=date(2032, 3, 1),
                      frequency="monthly")
    paused = to_payee(run, runtime, alice, alice_account, payee.id, first_date=date(2032, 3, 9), frequency="weekly")
    done = to_payee(run, runtime, alice, alice_account, payee.id, "1.00", first_date=date(2032, 3, 1))
    run(standing_orders.change_status(runtime.db, alice.id, paused.id, "paused", at(2032, 3, 1)))
    # 60 + 1 of 100: then a second run day where 60 more is short, so the monthly one waits for a retry
    assert run(run_due(runtime.db, at(2032, 3, 1), POLICY)).posted == 2
    assert run(run_due(runtime.db, at(2032, 4, 1), POLICY)).retrying == 1

    run(payees.delete_payee(runtime.db, alice.id, payee.id))
    after = {o.id: o for o in run(standing_orders.list_orders(runtime.db, alice.id))}
    assert [(after[o.id].status, after[o.id].stopped_reason, after[o.id].payee_id, after[o.id].to_account,
             after[o.id].next_date) for o in (active, paused, done)] == [
        ("stopped", "payee_deleted", None, bob_account, None),
        ("stopped", "payee_deleted", None, bob_account, None),
        ("completed", None, None, bob_account, None)]  # an ended order keeps its status
    assert [e.status for e in executions(run, runtime, alice, active)] == ["failed", "posted"]  # no retry comes
    assert run(run_due(runtime.db, at(2032, 4, 1, 12), POLICY)) == (0, 0, 0, 0)
    assert balance(sql, bob_account) == 6100
    assert run(payees.list_payees(runtime.db, alice.id)) == []
    with pytest.raises(PayeeNotFound):
        run(payees.delete_payee(runtime.db, alice.id, payee.id))


def test_a_delete_without_detaching_is_refused_by_the_database(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "100.00")
    _, bob_account = new_customer(run, runtime)
    payee = add_payee(run, runtime, alice, bob_account)
    to_payee(run, runtime, alice, alice_account, payee.id, first_date=date(2032, 5, 1))
    with pytest.raises(Exception, match="standing_orders_payee_id_fkey"):
        sql.execute("DELETE FROM payees WHERE id = %s", (payee.id,))


def test_a_run_never_waits_for_a_payee_being_deleted_and_pays_once_it_is_free(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "100.00")
    _, bob_account = new_customer(run, runtime)
    payee = add_payee(run, runtime, alice, bob_account)
    order = to_payee(run, runtime, alice, alice_account, payee.id, first_date=date(2032, 6, 1))
    with sql.transaction():  # as delete_payee holds it
        sql.execute("SELECT 1 FROM payees WHERE id = %s FOR UPDATE", (payee.id,))
        report = run(asyncio.wait_for(run_due(runtime.db, at(2032, 6, 1), POLICY), timeout=10))
        assert report == (0, 0, 0, 0) and executions(run, runtime, alice, order) == []
    assert run(run_due(runtime.db, at(2032, 6, 1, 8, 10), POLICY)).posted == 1
    assert balance(sql, bob_account) == 1000


def test_history_filters_by_one_of_the_callers_payees_and_nobody_elses(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "100.00")
    bob, bob_account = new_customer(run, runtime)
    _, carol_account = new_customer(run, runtime)
    payee = add_payee(run, runtime, alice, bob_account, "Bob")
    for minute, (target, amount) in enumerate(((bob_account, 500), (carol_account, 700), (bob_account, 300))):
        posted_at(sql, alice_account, target, amount, "x", datetime(2026, 6, 1, 9, minute, tzinfo=UTC))

    def amounts(owner, counterparty):
        page = run(history.history_page(runtime.db, owner.id, HistoryQuery.model_validate(
            {"counterparty": str(counterparty)})))
        return [entry.amount for entry in page.items]

    assert amounts(alice, payee.id) == amounts(alice, bob_account) == [-300, -500]
    assert amounts(alice, uuid.uuid4()) == []  # no such payee: nothing, not everything
    bobs_payee = add_payee(run, runtime, bob, alice_account, "Alice")
    assert amounts(bob, bobs_payee.id) == [300, 500]
    assert amounts(alice, bobs_payee.id) == []  # Bob's payee names nothing for Alice


def test_a_payee_deleted_between_the_check_and_the_order_is_not_found_and_nothing_is_set_up(
        run, runtime, sql, monkeypatch):
    alice, alice_account = new_customer(run, runtime, "100.00")
    _, bob_account = new_customer(run, runtime)
    payee = add_payee(run, runtime, alice, bob_account)
    checked = standing_orders.ledger.preview_transfer

    async def then_deleted(*args, **kwargs):
        answer = await checked(*args, **kwargs)
        await payees.delete_payee(runtime.db, alice.id, payee.id)
        return answer

    monkeypatch.setattr(standing_orders.ledger, "preview_transfer", then_deleted)
    with pytest.raises(PayeeNotFound):
        to_payee(run, runtime, alice, alice_account, payee.id, first_date=date(2032, 7, 1))
    assert sql.execute("SELECT count(*) FROM standing_orders WHERE owner_id = %s", (alice.id,)).fetchone()[0] == 0


def test_the_check_at_set_up_reads_the_amount_as_it_was_sent(run, runtime, sql):
    """The preview is asked for the order's amount, not a hundred times it: an order of 20,000,000.00
    (within the 1,000,000,000.00 cap) is set up, and one the account can pay is paid."""
    alice, alice_account = new_customer(run, runtime, "100.00")
    _, bob_account = new_customer(run, runtime)
    payee = add_payee(run, runtime, alice, bob_account)
    big = to_payee(run, runtime, alice, alice_account, payee.id, "20000000.00", first_date=date(2032, 8, 1))
    assert (big.amount, big.status) == (2000000000, "active")

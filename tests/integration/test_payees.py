"""Payees, Verification of Payee and transfers to a payee, against a real PostgreSQL."""

import uuid

import pytest

from shared import account_numbers, history, ledger, payees
from shared.errors import (
    IdempotencyKeyReused,
    PayeeExists,
    PayeeNotFound,
    RecipientNotFound,
    TooManyVerifications,
    ValidationFailed,
)
from shared.models import HistoryQuery, PayeeRequest, TransferRequest, UpdatePayeeRequest, VerifyPayeeRequest
from shared.name_matching import Thresholds
from tests.helpers import signed_in
from tests.integration.test_ledger import balance, new_customer

POLICY = payees.VerificationPolicy(Thresholds(), checks_per_hour=5)


def holder_named(run, runtime, sql, full_name: str, balance: str | None = None):
    principal, number = new_customer(run, runtime, balance)
    sql.execute("UPDATE users SET full_name = %s WHERE id = %s", (full_name, principal.id))
    return principal, number


def add(run, runtime, owner, account: str, name: str = "Bob", **extra):
    return run(payees.add_payee(runtime.db, owner.id, PayeeRequest(name=name, account=account, **extra)))


def pay(run, runtime, owner, source: str, payee_id, amount: str = "1.00", key: str | None = None):
    request = TransferRequest(from_account=source, payee_id=payee_id, amount=amount)
    return run(ledger.transfer(runtime.db, signed_in(run, runtime, owner.id), request, key or str(uuid.uuid4())))


def test_a_payee_is_saved_listed_changed_and_deleted_by_its_owner_only(run, runtime):
    alice, _ = new_customer(run, runtime)
    mallory, _ = new_customer(run, runtime)
    _, bob_account = new_customer(run, runtime)
    saved = add(run, runtime, alice, bob_account, "Bob Byrne", reference="Rent")
    assert (saved.name, saved.account, saved.reference, saved.trusted, saved.last_paid_at) == (
        "Bob Byrne", bob_account, "Rent", False, None)
    assert [p.id for p in run(payees.list_payees(runtime.db, alice.id))] == [saved.id]
    assert run(payees.list_payees(runtime.db, mallory.id)) == []

    with pytest.raises(PayeeNotFound):
        run(payees.update_payee(runtime.db, mallory.id, saved.id, UpdatePayeeRequest(trusted=True)))
    with pytest.raises(PayeeNotFound):
        run(payees.delete_payee(runtime.db, mallory.id, saved.id))

    changed = run(payees.update_payee(runtime.db, alice.id, saved.id, UpdatePayeeRequest(trusted=True, reference="")))
    assert (changed.name, changed.reference, changed.trusted) == ("Bob Byrne", None, True)
    run(payees.delete_payee(runtime.db, alice.id, saved.id))
    assert run(payees.list_payees(runtime.db, alice.id)) == []
    with pytest.raises(PayeeNotFound):
        run(payees.delete_payee(runtime.db, alice.id, saved.id))


def test_the_same_account_twice_is_409_but_two_customers_may_save_it_and_ones_own_account_is_fine(run, runtime):
    alice, alice_account = new_customer(run, runtime)
    carol, _ = new_customer(run, runtime)
    _, bob_account = new_customer(run, runtime)
    add(run, runtime, alice, bob_account)
    with pytest.raises(PayeeExists) as refused:
        add(run, runtime, alice, bob_account, "Robert")
    assert refused.value.errors == [("account", "is one of your payees already")]
    assert add(run, runtime, carol, bob_account).account == bob_account
    assert add(run, runtime, alice, alice_account, "My savings").account == alice_account


def test_paying_a_payee_moves_the_money_and_sets_last_paid_at_once_per_posting(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "10.00")
    _, bob_account = new_customer(run, runtime)
    payee = add(run, runtime, alice, bob_account)
    key = str(uuid.uuid4())
    sent = pay(run, runtime, alice, alice_account, payee.id, "2.50", key)
    assert (sent.to_account, sent.amount) == (bob_account, 250)
    paid_at = sql.execute("SELECT last_paid_at FROM payees WHERE id = %s", (payee.id,)).fetchone()[0]
    assert paid_at is not None
    replay = pay(run, runtime, alice, alice_account, payee.id, "2.50", key)
    assert replay.id == sent.id and balance(sql, bob_account) == 250
    assert sql.execute("SELECT last_paid_at FROM payees WHERE id = %s", (payee.id,)).fetchone()[0] == paid_at


def test_the_idempotency_key_covers_the_payee_not_just_the_account_it_names(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "10.00")
    _, bob_account = new_customer(run, runtime)
    payee = add(run, runtime, alice, bob_account)
    key = str(uuid.uuid4())
    pay(run, runtime, alice, alice_account, payee.id, "1.00", key)
    by_account = TransferRequest(from_account=alice_account, to_account=bob_account, amount="1.00")
    with pytest.raises(IdempotencyKeyReused):
        run(ledger.transfer(runtime.db, signed_in(run, runtime, alice.id), by_account, key))
    assert balance(sql, bob_account) == 100


def test_a_payee_of_someone_else_is_not_found_and_nothing_moves(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "10.00")
    mallory, _ = new_customer(run, runtime)
    _, bob_account = new_customer(run, runtime)
    theirs = add(run, runtime, mallory, bob_account)
    with pytest.raises(PayeeNotFound):
        pay(run, runtime, alice, alice_account, theirs.id)
    with pytest.raises(PayeeNotFound):
        run(ledger.preview_transfer(runtime.db, alice.id, TransferRequest(
            from_account=alice_account, payee_id=theirs.id, amount="1.00")))
    assert balance(sql, alice_account) == 1000 and balance(sql, bob_account) == 0
    assert sql.execute("SELECT last_paid_at FROM payees WHERE id = %s", (theirs.id,)).fetchone()[0] is None


def test_a_refused_payment_to_a_payee_leaves_last_paid_at_unset(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "10.00")
    unknown = add(run, runtime, alice, account_numbers.generate())
    with pytest.raises(RecipientNotFound):
        pay(run, runtime, alice, alice_account, unknown.id)
    own = add(run, runtime, alice, alice_account, "Me")
    with pytest.raises(ValidationFailed) as same:
        pay(run, runtime, alice, alice_account, own.id)
    assert [field for field, _ in same.value.errors] == ["payee_id"]
    assert sql.execute("SELECT count(*) FROM payees WHERE owner_id = %s AND last_paid_at IS NOT NULL",
                       (alice.id,)).fetchone()[0] == 0


def test_a_preview_to_a_payee_answers_with_the_payees_account(run, runtime):
    alice, alice_account = new_customer(run, runtime, "10.00")
    _, bob_account = new_customer(run, runtime)
    payee = add(run, runtime, alice, bob_account)
    previewed = run(ledger.preview_transfer(runtime.db, alice.id, TransferRequest(
        from_account=alice_account, payee_id=payee.id, amount="3.00")))
    assert (previewed.to_account, previewed.amount, previewed.recipient_status) == (bob_account, 300, "active")


def test_history_shows_the_payees_name_to_the_customer_who_saved_it_and_survives_its_deletion(run, runtime):
    alice, alice_account = new_customer(run, runtime, "10.00")
    bob, bob_account = new_customer(run, runtime)
    payee = add(run, runtime, alice, bob_account, "Bob the builder")
    pay(run, runtime, alice, alice_account, payee.id, "1.00")

    def first(owner, account):
        return run(history.history_page(runtime.db, owner.id, HistoryQuery(account=account))).items[0]
    assert (first(alice, alice_account).counterparty_account, first(alice, alice_account).counterparty_name) == (
        bob_account, "Bob the builder")
    assert first(bob, bob_account).counterparty_name is None  # Bob saved nobody
    run(payees.delete_payee(runtime.db, alice.id, payee.id))
    kept = first(alice, alice_account)
    assert (kept.counterparty_account, kept.amount, kept.counterparty_name) == (bob_account, -100, None)


def test_verification_answers_match_close_match_with_the_name_no_match_and_not_possible(run, runtime, sql):
    caller, _ = new_customer(run, runtime)
    _, account = holder_named(run, runtime, sql, "Siobhán Ní Bhriain")

    def check(name, number=account):
        return run(payees.verify(runtime.db, POLICY, caller.id, VerifyPayeeRequest(name=name, account=number)))
    assert check("siobhan ni bhriain") == payees.PayeeVerification("match")
    assert check("Siobhan Ni Bhrian") == payees.PayeeVerification("close_match", "Siobhán Ní Bhriain")
    assert check("Mary Byrne") == payees.PayeeVerification("no_match")
    assert check("Siobhán Ní Bhriain", account_numbers.generate()) == payees.PayeeVerification("not_possible")


def test_verification_of_a_system_closed_or_deactivated_account_is_not_possible(run, runtime, sql):
    caller, _ = new_customer(run, runtime)
    system = sql.execute("SELECT number FROM accounts WHERE kind = 'system' AND currency = 'EUR'").fetchone()[0]
    holder, closed = holder_named(run, runtime, sql, "Closed Holder")
    sql.execute("UPDATE accounts SET status = 'closed' WHERE number = %s", (closed,))
    gone, deactivated = holder_named(run, runtime, sql, "Gone Holder")
    sql.execute("UPDATE users SET active = false WHERE id = %s", (gone.id,))
    for name, number in (("IE Bank", system), ("Closed Holder", closed), ("Gone Holder", deactivated)):
        verified = run(payees.verify(runtime.db, POLICY, caller.id, VerifyPayeeRequest(name=name, account=number)))
        assert verified == payees.PayeeVerification("not_possible")


def test_verification_is_counted_per_customer_and_refused_past_the_limit(run, runtime, sql):
    caller, _ = new_customer(run, runtime)
    other, _ = new_customer(run, runtime)
    _, account = holder_named(run, runtime, sql, "John Murphy")
    request = VerifyPayeeRequest(name="John Murphy", account=account)
    for _ in range(POLICY.checks_per_hour):
        assert run(payees.verify(runtime.db, POLICY, caller.id, request)).result == "match"
    with pytest.raises(TooManyVerifications) as refused:
        run(payees.verify(runtime.db, POLICY, caller.id, request))
    assert 0 < refused.value.retry_after_seconds <= 3600
    assert run(payees.verify(runtime.db, POLICY, other.id, request)).result == "match"  # someone else's count

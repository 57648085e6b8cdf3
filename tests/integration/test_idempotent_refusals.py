"""A refusal is an answer too: kept under its Idempotency-Key like a transfer, against a real PostgreSQL.

A request refused by a business rule (no such account, frozen, closed, currency mismatch,
insufficient funds) is remembered under its key: the same key and body get the same refusal for as
long as the key is kept, and never move money, even once the rule would let it through. A new key
is a new attempt. A refusal of the caller (session ended, password change due) or of the key itself
(in progress, reused) is not stored, and neither is a body the edge or the function finds invalid.
"""

import asyncio
import uuid

import psycopg
import pytest

from shared import account_numbers, ledger
from shared.errors import (
    AccountClosed,
    AccountFrozen,
    AccountNotFound,
    CurrencyMismatch,
    IdempotencyKeyInProgress,
    IdempotencyKeyReused,
    InsufficientFunds,
    NotAuthenticated,
    RecipientNotFound,
)
from shared.models import DepositRequest, TransferRequest
from shared.outcomes import KEPT_UNDER_KEY, PostingOutcome
from tests.helpers import deposit, signed_in, staff_principal
from tests.integration.test_ledger import balance, new_customer, transfer


def key_row(sql, user_id, key: str) -> tuple | None:
    return sql.execute("SELECT transfer_id, refusal::text FROM idempotency_keys WHERE user_id = %s AND key = %s",
                       (user_id, key)).fetchone()


def transfers_under(sql, key: str) -> int:
    return sql.execute("SELECT count(*) FROM transfers WHERE idempotency_key = %s", (key,)).fetchone()[0]


def test_insufficient_funds_stays_the_answer_under_its_key_after_money_arrives(run, runtime, sql, database_url):
    alice, alice_account = new_customer(run, runtime, "10.00")
    _, bob_account = new_customer(run, runtime)
    key = str(uuid.uuid4())
    with pytest.raises(InsufficientFunds):
        transfer(run, runtime, alice, alice_account, bob_account, "20.00", key=key)
    deposit(database_url, alice_account, "50.00")  # now the transfer would go through
    with pytest.raises(InsufficientFunds):
        transfer(run, runtime, alice, alice_account, bob_account, "20.00", key=key)
    assert balance(sql, alice_account) == 6000 and balance(sql, bob_account) == 0
    assert transfers_under(sql, key) == 0
    assert key_row(sql, alice.id, key) == (None, "insufficient_funds")
    # A new key is a new attempt.
    posted = transfer(run, runtime, alice, alice_account, bob_account, "20.00", key=str(uuid.uuid4()))
    assert posted.amount == 2000 and balance(sql, alice_account) == 4000 and balance(sql, bob_account) == 2000


def test_a_frozen_account_refusal_stays_under_its_key_after_unfreezing(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "10.00")
    _, bob_account = new_customer(run, runtime)
    key = str(uuid.uuid4())
    sql.execute("UPDATE accounts SET status = 'frozen' WHERE number = %s", (alice_account,))
    with pytest.raises(AccountFrozen):
        transfer(run, runtime, alice, alice_account, bob_account, "1.00", key=key)
    sql.execute("UPDATE accounts SET status = 'active' WHERE number = %s", (alice_account,))
    with pytest.raises(AccountFrozen):
        transfer(run, runtime, alice, alice_account, bob_account, "1.00", key=key)
    assert balance(sql, alice_account) == 1000 and transfers_under(sql, key) == 0
    transfer(run, runtime, alice, alice_account, bob_account, "1.00", key=str(uuid.uuid4()))
    assert balance(sql, bob_account) == 100


def test_the_key_of_a_refusal_with_another_body_is_idempotency_reused(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "10.00")
    _, bob_account = new_customer(run, runtime)
    key = str(uuid.uuid4())
    with pytest.raises(InsufficientFunds):
        transfer(run, runtime, alice, alice_account, bob_account, "20.00", key=key)
    with pytest.raises(IdempotencyKeyReused):  # a smaller amount that would fit is still another request
        transfer(run, runtime, alice, alice_account, bob_account, "5.00", key=key)
    assert balance(sql, alice_account) == 1000 and key_row(sql, alice.id, key) == (None, "insufficient_funds")


def test_concurrent_same_key_retries_of_a_refusal_never_move_money(run, runtime, sql, database_url):
    alice, alice_account = new_customer(run, runtime, "10.00")
    _, bob_account = new_customer(run, runtime)
    caller = signed_in(run, runtime, alice.id)
    key = str(uuid.uuid4())
    request = TransferRequest(from_account=alice_account, to_account=bob_account, amount="20.00")

    async def one() -> str:
        try:
            await ledger.transfer(runtime.db, caller, request, key)
        except (InsufficientFunds, IdempotencyKeyInProgress) as refused:
            return type(refused).__name__
        return "posted"

    async def eight_at_once() -> list[str]:
        return list(await asyncio.gather(*(one() for _ in range(8))))

    first_round = run(eight_at_once())
    deposit(database_url, alice_account, "50.00")
    second_round = run(eight_at_once())
    assert "posted" not in first_round + second_round
    assert "InsufficientFunds" in first_round and "InsufficientFunds" in second_round
    assert balance(sql, alice_account) == 6000 and balance(sql, bob_account) == 0
    assert transfers_under(sql, key) == 0 and key_row(sql, alice.id, key) == (None, "insufficient_funds")


def _kept_cases():
    # (case, failure raised, the word stored under the key or None)
    return [
        ("insufficient", InsufficientFunds, "insufficient_funds"),
        ("not_mine", AccountNotFound, "source_not_found"),
        ("unknown_recipient", RecipientNotFound, "recipient_not_found"),
        ("currency", CurrencyMismatch, "currency_mismatch"),
        ("frozen_source", AccountFrozen, "source_frozen"),
        ("closed_source", AccountClosed, "source_closed"),
        ("frozen_recipient", AccountFrozen, "recipient_frozen"),
        ("closed_recipient", AccountClosed, "recipient_closed"),
        ("caller_deactivated", NotAuthenticated, None),
    ]


def test_every_word_kept_under_a_key_is_exercised_below():
    assert {word for _, _, word in _kept_cases() if word} == {word.value for word in KEPT_UNDER_KEY}
    assert not {PostingOutcome.CALLER_INACTIVE, PostingOutcome.CALLER_RESTRICTED, PostingOutcome.SAME_ACCOUNT,
                PostingOutcome.IDEMPOTENCY_REUSED, PostingOutcome.IDEMPOTENCY_IN_PROGRESS} & KEPT_UNDER_KEY


@pytest.mark.parametrize(("case", "error", "kept"), _kept_cases())
def test_business_rule_refusals_are_kept_under_the_key_and_a_refusal_of_the_caller_is_not(
        run, runtime, sql, case, error, kept):
    alice, alice_account = new_customer(run, runtime, "10.00")
    bob, bob_account = new_customer(run, runtime, "10.00")
    source, target, amount = alice_account, bob_account, "1.00"
    if case == "insufficient":
        amount = "10.01"
    elif case == "not_mine":
        source, target = bob_account, alice_account
    elif case == "unknown_recipient":
        target = account_numbers.generate()
    elif case == "currency":
        _, target = new_customer(run, runtime, currency="USD")
    elif case in ("frozen_source", "closed_source"):
        sql.execute("UPDATE accounts SET status = %s WHERE number = %s", (case.split("_")[0], alice_account))
    elif case in ("frozen_recipient", "closed_recipient"):
        sql.execute("UPDATE accounts SET status = %s WHERE number = %s", (case.split("_")[0], bob_account))
    elif case == "caller_deactivated":
        sql.execute("UPDATE users SET active = false WHERE id = %s", (alice.id,))
    key = str(uuid.uuid4())
    with pytest.raises(error):
        transfer(run, runtime, alice, source, target, amount, key=key)
    assert key_row(sql, alice.id, key) == ((None, kept) if kept else None)
    assert balance(sql, alice_account) == 1000 and balance(sql, bob_account) == 1000 and transfers_under(sql, key) == 0


def test_a_same_account_posting_is_not_kept_under_its_key(run, runtime, sql):
    # The edge refuses it first (422 naming to_account); the function's own check stores nothing either.
    alice, alice_account = new_customer(run, runtime, "10.00")
    key = str(uuid.uuid4())
    row = sql.execute("SELECT outcome FROM post_transfer(%s, %s, %s, 100, '', 'transfer', %s, 'h'::bytea, true)",
                      (alice.id, alice_account, alice_account, key)).fetchone()
    assert row == (PostingOutcome.SAME_ACCOUNT,)
    assert key_row(sql, alice.id, key) is None


def test_a_refused_deposit_is_kept_under_its_key_after_the_account_is_unfrozen(run, runtime, sql, database_url):
    staff = staff_principal(database_url)
    _, number = new_customer(run, runtime)
    key = str(uuid.uuid4())
    sql.execute("UPDATE accounts SET status = 'frozen' WHERE number = %s", (number,))
    with pytest.raises(AccountFrozen):
        run(ledger.deposit(runtime.db, staff, number, DepositRequest(amount="5.00"), key, "corr-refused"))
    sql.execute("UPDATE accounts SET status = 'active' WHERE number = %s", (number,))
    with pytest.raises(AccountFrozen):
        run(ledger.deposit(runtime.db, staff, number, DepositRequest(amount="5.00"), key, "corr-retry"))
    assert balance(sql, number) == 0 and key_row(sql, staff.id, key) == (None, "recipient_frozen")
    assert sql.execute("SELECT count(*) FROM audit_log WHERE target_id = %s", (number,)).fetchone()[0] == 0
    run(ledger.deposit(runtime.db, staff, number, DepositRequest(amount="5.00"), str(uuid.uuid4()), "corr-new"))
    assert balance(sql, number) == 500


def test_a_kept_refusal_is_purged_with_the_other_old_keys_and_its_key_is_then_a_new_attempt(run, runtime, sql):
    from shared.maintenance import purge_expired

    alice, alice_account = new_customer(run, runtime, "10.00")
    _, bob_account = new_customer(run, runtime)
    key = str(uuid.uuid4())
    with pytest.raises(InsufficientFunds):
        transfer(run, runtime, alice, alice_account, bob_account, "20.00", key=key)
    sql.execute("UPDATE idempotency_keys SET created_at = now() - interval '49 hours' WHERE key = %s", (key,))
    assert run(purge_expired(runtime.db)).idempotency_keys >= 1
    assert key_row(sql, alice.id, key) is None
    deposit(runtime.settings.database_url, alice_account, "50.00")
    assert transfer(run, runtime, alice, alice_account, bob_account, "20.00", key=key).amount == 2000


def test_a_posting_that_fails_in_the_database_keeps_nothing_under_its_key(run, runtime, sql):
    # What answers 5xx: the statement fails (here the transfers CHECK on the amount, reached past
    # every rule), so its transaction, key row included, is rolled back and the key is free.
    alice, alice_account = new_customer(run, runtime, "10.00")
    _, bob_account = new_customer(run, runtime)
    key = str(uuid.uuid4())
    with pytest.raises(psycopg.errors.CheckViolation):
        sql.execute("SELECT outcome FROM post_transfer(%s, %s, %s, 0, '', 'transfer', %s, 'h'::bytea, true)",
                    (alice.id, alice_account, bob_account, key))
    assert key_row(sql, alice.id, key) is None and balance(sql, alice_account) == 1000
    row = sql.execute("SELECT outcome FROM post_transfer(%s, %s, %s, 100, '', 'transfer', %s, 'h2'::bytea, true)",
                      (alice.id, alice_account, bob_account, key)).fetchone()
    assert row == (PostingOutcome.POSTED,) and balance(sql, bob_account) == 100

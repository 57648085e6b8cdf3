"""Moving money against a real PostgreSQL: rules, atomicity, idempotency and concurrency."""

import asyncio
import uuid

import psycopg
import pytest

from shared import account_numbers, accounts, ledger, users
from shared.auth import Principal
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
from shared.models import DepositRequest, OpenAccountRequest, RegisterRequest, TransferRequest
from tests.helpers import PASSWORD, deposit, register_body, signed_in, staff_principal


def new_customer(run, runtime, balance: str | None = None, currency: str = "EUR") -> tuple[Principal, str]:
    registered = run(users.register(runtime.db, runtime.passwords, runtime.login_policy, RegisterRequest(**register_body()),
                              "127.0.0.1", "test"))
    principal = Principal(id=registered.user.id, username=registered.user.username, role="user")
    number = registered.account.number
    if currency != "EUR":
        opened = run(accounts.open_account(runtime.db, principal.id, OpenAccountRequest(name="Other", currency=currency),
                                              max_open=10))
        number = opened.number
    if balance:
        deposit(runtime.settings.database_url, number, balance)
    return principal, number


def balance(sql, number: str) -> int:
    return sql.execute("SELECT balance FROM accounts WHERE number = %s", (number,)).fetchone()[0]


def ledger_rows(sql, number: str) -> int:
    return sql.execute("SELECT count(*) FROM entries e JOIN accounts a ON a.id = e.account_id WHERE a.number = %s",
                       (number,)).fetchone()[0]


def transfer(run, runtime, principal, source, target, amount, key=None, description=""):
    request = TransferRequest(from_account=source, to_account=target, amount=amount, description=description)
    return run(ledger.transfer(runtime.db, signed_in(run, runtime, principal.id), request, key or str(uuid.uuid4())))


def test_a_transfer_moves_money_and_writes_both_ledger_legs(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "100.00")
    _, bob_account = new_customer(run, runtime)
    result = transfer(run, runtime, alice, alice_account, bob_account, "40.25", description="rent")
    assert (result.amount, result.currency, result.kind) == (4025, "EUR", "transfer")
    assert balance(sql, alice_account) == 5975 and balance(sql, bob_account) == 4025
    legs = sql.execute("SELECT amount FROM entries WHERE transfer_id = %s ORDER BY amount", (result.id,)).fetchall()
    assert legs == [(-4025,), (4025,)]


@pytest.mark.parametrize(("case", "error"), [
    ("insufficient", InsufficientFunds), ("not_mine", AccountNotFound), ("unknown_recipient", RecipientNotFound),
    ("currency", CurrencyMismatch), ("frozen_source", AccountFrozen), ("frozen_recipient", AccountFrozen),
    ("closed_recipient", AccountClosed), ("system_recipient", RecipientNotFound),
    ("caller_deactivated", NotAuthenticated), ("recipient_deactivated", AccountFrozen),
])
def test_a_refused_transfer_leaves_no_trace(run, runtime, sql, case, error):
    alice, alice_account = new_customer(run, runtime, "10.00")
    bob, bob_account = new_customer(run, runtime, "10.00")
    source, target, amount = alice_account, bob_account, "1.00"
    if case == "insufficient":
        amount = "10.01"
    elif case == "not_mine":
        source, target = bob_account, alice_account
    elif case == "unknown_recipient":
        target = account_numbers.generate()  # valid check digits, no such account
    elif case == "currency":
        _, target = new_customer(run, runtime, currency="USD")
    elif case == "frozen_source":
        sql.execute("UPDATE accounts SET status = 'frozen' WHERE number = %s", (alice_account,))
    elif case == "frozen_recipient":
        sql.execute("UPDATE accounts SET status = 'frozen' WHERE number = %s", (bob_account,))
    elif case == "closed_recipient":
        sql.execute("UPDATE accounts SET status = 'closed' WHERE number = %s", (bob_account,))
    elif case == "system_recipient":
        target = "IE16IEBK00000000000001"
    elif case == "caller_deactivated":  # since the token was issued: post_transfer reads the flag itself
        sql.execute("UPDATE users SET active = false WHERE id = %s", (alice.id,))
    elif case == "recipient_deactivated":  # their accounts stay 'active', yet receive nothing
        sql.execute("UPDATE users SET active = false WHERE id = %s", (bob.id,))
    transfers_before = sql.execute("SELECT count(*) FROM transfers").fetchone()[0]
    with pytest.raises(error):
        transfer(run, runtime, alice, source, target, amount, key=str(uuid.uuid4()))
    assert balance(sql, alice_account) == 1000 and balance(sql, bob_account) == 1000
    assert sql.execute("SELECT count(*) FROM transfers").fetchone()[0] == transfers_before


def test_a_reactivated_customer_receives_money_again(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "10.00")
    bob, bob_account = new_customer(run, runtime)
    sql.execute("UPDATE users SET active = false WHERE id = %s", (bob.id,))
    with pytest.raises(AccountFrozen):
        transfer(run, runtime, alice, alice_account, bob_account, "1.00", key=str(uuid.uuid4()))
    sql.execute("UPDATE users SET active = true WHERE id = %s", (bob.id,))
    transfer(run, runtime, alice, alice_account, bob_account, "1.00", key=str(uuid.uuid4()))
    assert balance(sql, bob_account) == 100


def test_a_retry_with_the_same_key_returns_the_first_transfer_and_moves_money_once(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "100.00")
    _, bob_account = new_customer(run, runtime)
    key = str(uuid.uuid4())
    first = transfer(run, runtime, alice, alice_account, bob_account, "30.00", key=key)
    again = transfer(run, runtime, alice, alice_account, bob_account, "30.00", key=key)
    assert again == first
    assert balance(sql, alice_account) == 7000 and ledger_rows(sql, bob_account) == 1


def test_the_same_key_with_a_different_body_is_refused(run, runtime):
    alice, alice_account = new_customer(run, runtime, "100.00")
    _, bob_account = new_customer(run, runtime)
    key = str(uuid.uuid4())
    transfer(run, runtime, alice, alice_account, bob_account, "30.00", key=key)
    with pytest.raises(IdempotencyKeyReused):
        transfer(run, runtime, alice, alice_account, bob_account, "31.00", key=key)


def test_keys_are_scoped_to_the_user(run, runtime, sql):
    alice, alice_account = new_customer(run, runtime, "100.00")
    bob, bob_account = new_customer(run, runtime, "100.00")
    key = str(uuid.uuid4())
    transfer(run, runtime, alice, alice_account, bob_account, "1.00", key=key)
    transfer(run, runtime, bob, bob_account, alice_account, "1.00", key=key)
    assert balance(sql, alice_account) == 10000 and ledger_rows(sql, alice_account) == 3


def test_a_second_request_while_the_first_with_that_key_runs_is_told_it_is_in_progress(run, runtime, database_url):
    alice, alice_account = new_customer(run, runtime, "100.00")
    _, bob_account = new_customer(run, runtime)
    key = str(uuid.uuid4())
    # Hold the key's lock the way a running first request does.
    with psycopg.connect(database_url) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s || '/' || %s, 0))", (str(alice.id), key))
        with pytest.raises(IdempotencyKeyInProgress):
            transfer(run, runtime, alice, alice_account, bob_account, "1.00", key=key)
        holder.rollback()
    assert transfer(run, runtime, alice, alice_account, bob_account, "1.00", key=key).amount == 100


def test_concurrent_transfers_between_the_same_accounts_conserve_money_and_never_overdraw(run, runtime, sql):
    parties = [new_customer(run, runtime, "50.00") for _ in range(4)]
    callers = [signed_in(run, runtime, principal.id) for principal, _ in parties]
    numbers = [number for _, number in parties]
    total_before = sum(balance(sql, number) for number in numbers)
    outcomes = {"posted": 0, "refused": 0}

    async def client(seed: int) -> None:
        for step in range(25):
            source_index = (seed + step) % 4
            target_index = (seed + step * 3 + 1) % 4
            if source_index == target_index:
                target_index = (target_index + 1) % 4
            _, source = parties[source_index]
            request = TransferRequest(from_account=source, to_account=numbers[target_index],
                                      amount=f"{(seed * 7 + step) % 30 + 1}.00")
            try:
                await ledger.transfer(runtime.db, callers[source_index], request, str(uuid.uuid4()))
                outcomes["posted"] += 1
            except InsufficientFunds:
                outcomes["refused"] += 1

    async def eight_clients_at_once() -> None:
        await asyncio.gather(*(client(seed) for seed in range(8)))

    run(eight_clients_at_once())
    assert outcomes["posted"] + outcomes["refused"] == 200 and outcomes["posted"] > 0
    balances = [balance(sql, number) for number in numbers]
    assert sum(balances) == total_before
    assert min(balances) >= 0
    for number in numbers:
        ledger_sum = sql.execute("SELECT coalesce(sum(e.amount), 0) FROM entries e JOIN accounts a "
                                 "ON a.id = e.account_id WHERE a.number = %s", (number,)).fetchone()[0]
        assert ledger_sum == balance(sql, number)


def test_a_deposit_comes_from_the_system_account_and_is_audited(run, runtime, sql, database_url):
    staff = staff_principal(database_url)
    _, number = new_customer(run, runtime)
    result = run(ledger.deposit(runtime.db, staff, number, DepositRequest(amount="250.00"), str(uuid.uuid4()),
                                "corr-1"))
    assert result.from_account == "IE16IEBK00000000000001" and result.kind == "deposit"
    assert balance(sql, number) == 25000
    audit = sql.execute("SELECT actor_username, action, target_id, correlation_id FROM audit_log "
                        "WHERE target_id = %s", (number,)).fetchall()
    assert audit == [(staff.username, "account.deposit", number, "corr-1")]


def test_ledger_rows_can_never_be_changed_or_deleted(sql):
    for statement in ("UPDATE transfers SET amount = amount + 1", "DELETE FROM entries",
                      "UPDATE audit_log SET action = 'x'", "TRUNCATE transfers CASCADE"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            sql.execute(statement)


def test_a_customer_balance_can_never_go_negative_even_by_direct_sql(run, runtime, sql):
    _, number = new_customer(run, runtime, "1.00")
    with pytest.raises(psycopg.errors.CheckViolation):
        sql.execute("UPDATE accounts SET balance = -1 WHERE number = %s", (number,))


def test_the_password_is_never_stored_in_plain_text(run, runtime, sql):
    principal, _ = new_customer(run, runtime)
    stored = sql.execute("SELECT password_hash FROM users WHERE id = %s", (principal.id,)).fetchone()[0]
    assert PASSWORD not in stored and stored.startswith("$2")


def test_idempotency_keys_are_kept_a_day_and_purged_after_two(run, runtime, sql):
    from shared.maintenance import purge_expired

    alice, alice_account = new_customer(run, runtime, "10.00")
    _, bob_account = new_customer(run, runtime)
    old_key, fresh_key = str(uuid.uuid4()), str(uuid.uuid4())
    transfer(run, runtime, alice, alice_account, bob_account, "1.00", key=old_key)
    transfer(run, runtime, alice, alice_account, bob_account, "2.00", key=fresh_key)
    sql.execute("UPDATE idempotency_keys SET created_at = now() - interval '49 hours' WHERE key = %s", (old_key,))
    assert run(purge_expired(runtime.db)).idempotency_keys >= 1
    remaining = {row[0] for row in sql.execute("SELECT key FROM idempotency_keys WHERE user_id = %s", (alice.id,))}
    assert remaining == {fresh_key}
    run(purge_expired(runtime.db, key_hours=1))  # never below the promised 24 hours
    assert sql.execute("SELECT count(*) FROM idempotency_keys WHERE key = %s", (fresh_key,)).fetchone()[0] == 1

"""Strong customer authentication of payments, against a real PostgreSQL: when post_transfer asks
for a second factor, what the exemptions let through, and that a confirmation posts exactly the
payment it was bound to, once."""

import asyncio
import uuid

import pytest

from shared import ledger, payment_authentication
from shared.auth import Principal
from shared.domain import Transfer
from shared.errors import IdempotencyKeyReused, NotFound, SecondFactorRejected
from shared.models import PayeeRequest, TransferRequest
from shared.payment_authentication import PaymentAuthentication, PaymentScaPolicy, PendingPayment
from tests.factor_helpers import holding_totp
from tests.helpers import signed_in
from tests.integration.test_ledger import balance, new_customer

POLICY = PaymentScaPolicy(own_accounts_exempt=True, trusted_payees_exempt=True, low_value_max=3000,
                          low_value_total=10000, low_value_payments=5, challenge_seconds=300)


@pytest.fixture
def sca(runtime) -> PaymentAuthentication:
    return PaymentAuthentication(POLICY, runtime.factors.methods, runtime.factors.policy)


def payer_holding_totp(run, runtime, opening: str):
    """A customer with money and an authenticator app, and another customer's account to pay."""
    alice, source = new_customer(run, runtime, opening)
    _, target = new_customer(run, runtime)
    return alice, source, target, holding_totp(run, runtime, alice)


def pay(run, runtime, sca, payer: Principal, source: str, amount: str, *, to: str | None = None,
        payee_id=None, key: str | None = None, credentials=None):
    request = TransferRequest(from_account=source, to_account=to, payee_id=payee_id, amount=amount)
    credentials = credentials or signed_in(run, runtime, payer.id)
    return run(ledger.transfer(runtime.db, credentials, request, key or str(uuid.uuid4()), sca))


def confirm(run, runtime, sca, payer: Principal, pending: PendingPayment, code: str):
    caller = signed_in(run, runtime, payer.id)
    principal = Principal(payer.id, payer.username, "user", caller.session_id)
    return run(payment_authentication.confirm(runtime.db, sca, principal, pending.challenge_id, "totp", code))


def test_a_payment_to_another_customer_waits_for_the_second_factor_and_posts_once_confirmed(run, runtime, sql, sca):
    alice, source, target, totp = payer_holding_totp(run, runtime, "500.00")
    key = str(uuid.uuid4())
    pending = pay(run, runtime, sca, alice, source, "50.00", to=target, key=key)
    assert isinstance(pending, PendingPayment)
    assert (pending.amount, pending.currency, pending.from_account, pending.payee_account) == (
        5000, "EUR", source, target)
    assert "totp" in pending.methods
    assert (balance(sql, source), balance(sql, target)) == (50000, 0)
    # A retry of the same request while it waits gets the same challenge; another body is refused.
    again = pay(run, runtime, sca, alice, source, "50.00", to=target, key=key)
    assert isinstance(again, PendingPayment) and again.challenge_id == pending.challenge_id
    with pytest.raises(IdempotencyKeyReused):
        pay(run, runtime, sca, alice, source, "51.00", to=target, key=key)

    done = confirm(run, runtime, sca, alice, pending, totp.now())
    assert (done.amount, done.from_account, done.to_account) == (5000, source, target)
    assert (balance(sql, source), balance(sql, target)) == (45000, 5000)
    # The original request's retry now answers the transfer; the challenge cannot be used again.
    replayed = pay(run, runtime, sca, alice, source, "50.00", to=target, key=key)
    assert isinstance(replayed, Transfer) and replayed.id == done.id
    with pytest.raises(NotFound):
        confirm(run, runtime, sca, alice, pending, totp.now())
    assert (balance(sql, source), balance(sql, target)) == (45000, 5000)


def test_a_wrong_code_or_another_customers_challenge_moves_nothing(run, runtime, sql, sca):
    alice, source, target, _ = payer_holding_totp(run, runtime, "500.00")
    mallory, _ = new_customer(run, runtime)
    mallory_totp = holding_totp(run, runtime, mallory)
    pending = pay(run, runtime, sca, alice, source, "50.00", to=target)
    with pytest.raises(SecondFactorRejected):
        confirm(run, runtime, sca, alice, pending, "000000")
    with pytest.raises(NotFound):
        confirm(run, runtime, sca, mallory, pending, mallory_totp.now())
    assert (balance(sql, source), balance(sql, target)) == (50000, 0)


def test_own_accounts_and_trusted_payees_are_exempt_and_an_untrusted_payee_is_not(run, runtime, sql, sca):
    from shared import accounts, payees
    from shared.models import OpenAccountRequest
    alice, source, target, _ = payer_holding_totp(run, runtime, "500.00")
    savings = run(accounts.open_account(runtime.db, alice.id, OpenAccountRequest(name="Savings", currency="EUR"),
                                        max_open=10)).number
    assert isinstance(pay(run, runtime, sca, alice, source, "200.00", to=savings), Transfer)
    untrusted = run(payees.add_payee(runtime.db, alice.id, PayeeRequest(name="Bob", account=target)))
    assert isinstance(pay(run, runtime, sca, alice, source, "100.00", payee_id=untrusted.id), PendingPayment)
    sql.execute("UPDATE payees SET trusted = true WHERE id = %s", (untrusted.id,))
    assert isinstance(pay(run, runtime, sca, alice, source, "100.00", payee_id=untrusted.id), Transfer)
    assert balance(sql, target) == 10000


def test_low_value_payments_are_exempt_until_the_amount_count_or_total_since_the_last_sca_is_exceeded(
        run, runtime, sql, sca):
    alice, source, target, totp = payer_holding_totp(run, runtime, "1000.00")
    assert isinstance(pay(run, runtime, sca, alice, source, "30.01", to=target), PendingPayment)  # the 31st euro
    for _ in range(5):
        assert isinstance(pay(run, runtime, sca, alice, source, "1.00", to=target), Transfer)
    sixth = pay(run, runtime, sca, alice, source, "1.00", to=target)  # the sixth low-value payment
    assert isinstance(sixth, PendingPayment)
    confirm(run, runtime, sca, alice, sixth, totp.now())  # an SCA resets the allowance
    assert [isinstance(pay(run, runtime, sca, alice, source, amount, to=target), Transfer)
            for amount in ("30.00", "30.00", "30.00", "10.00", "0.01")] == [True, True, True, True, False]
    assert balance(sql, target) == 100 * 5 + 100 + 10000


def test_concurrent_low_value_payments_never_spend_more_than_the_allowance(run, runtime, sql, sca):
    alice, source, target, _ = payer_holding_totp(run, runtime, "1000.00")
    credentials = signed_in(run, runtime, alice.id)

    async def burst():
        return await asyncio.gather(*[
            ledger.transfer(runtime.db, credentials, TransferRequest(from_account=source, to_account=target,
                                                                      amount="25.00"), str(uuid.uuid4()), sca)
            for _ in range(8)])
    results = run(burst())
    assert sum(isinstance(r, Transfer) for r in results) == 4  # 4 x 25.00 = the 100.00 allowance
    assert balance(sql, target) == 10000


def test_a_customer_without_a_second_factor_is_not_asked_while_the_bank_does_not_require_one(run, runtime, sql, sca):
    alice, source = new_customer(run, runtime, "500.00")
    _, target = new_customer(run, runtime)
    assert isinstance(pay(run, runtime, sca, alice, source, "250.00", to=target), Transfer)
    assert balance(sql, target) == 25000

"""Strong customer authentication of payments over HTTP (issue 17, RTS 2018/389): a transfer no
exemption covers answers 202 and moves nothing until POST /api/transfers/confirm answers its
challenge, bound to the amount and payee (Art. 5); the exemptions (own accounts, trusted payees,
low value) and their counters; a standing order authenticated when it is set up (Art. 14). Passkeys are answered by the software authenticator, codes by
pyotp, so py_webauthn's and the TOTP checks really run. Every test checks that money is conserved."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import psycopg

from shared.schedules import bank_date
from shared.standing_orders import RetryPolicy, run_due
from tests.api.test_customer_api import problem
from tests.api.test_factors_api import enrol, next_code
from tests.api.test_passkeys_api import customer_with_passkey
from tests.helpers import Customer, deposit, make_admin, sign_in, sign_up
from tests.webauthn_authenticator import SoftAuthenticator


def balances(api, *customers_and_accounts: tuple[Customer, str]) -> list[str]:
    return [api.get(f"/api/accounts/{number}", headers=owner.headers).json()["balance"]
            for owner, number in customers_and_accounts]


def total_minor(values: list[str]) -> int:
    return sum(int(value.replace(".", "")) for value in values)


def pay(api, payer: Customer, amount: str, *, to: str | None = None, payee_id: str | None = None,
        key: str | None = None):
    body = {"from_account": payer.account, "amount": amount, **({"to_account": to} if to else {"payee_id": payee_id})}
    return pay_body(api, payer, body, key)


def pay_body(api, payer: Customer, body: dict, key: str | None = None):
    return api.post("/api/transfers", json=body, headers={**payer.headers, "Idempotency-Key": key or str(uuid.uuid4())})


def confirm(api, payer: Customer, challenge_id: str, method: str, proof):
    answer = {"credential": proof} if method == "passkey" else {"code": proof}
    return api.post("/api/transfers/confirm", headers=payer.headers,
                    json={"challenge_id": challenge_id, "method": method, **answer})


def confirm_with_passkey(api, payer: Customer, authenticator: SoftAuthenticator, pending: dict):
    return confirm(api, payer, pending["challenge_id"], "passkey", authenticator.assert_(pending["passkey_options"]))


def last_sca_an_hour_ago(database_url, customer: Customer) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE sessions SET strongly_authenticated_at = now() - interval '1 hour'"
                     " WHERE user_id = %s", (customer.user_id,))


def step_up_with_passkey(api, customer: Customer, authenticator: SoftAuthenticator) -> None:
    step_up = api.post("/api/auth/step-up", headers=customer.headers).json()
    stepped = api.post("/api/auth/step-up/confirm", headers=customer.headers, json={
        "challenge_id": step_up["challenge_id"], "method": "passkey",
        "credential": authenticator.assert_(step_up["passkey_options"])})
    assert stepped.status_code == 204, stepped.text


def set_up_order(api, customer: Customer, body: dict, key: str | None = None):
    return api.post("/api/standing-orders", json=body,
                    headers={**customer.headers, "Idempotency-Key": key or str(uuid.uuid4())})


def funded_pair(api, database_url, amount: str = "1000.00"):
    payer, authenticator = customer_with_passkey(api)
    deposit(database_url, payer.account, amount)
    return payer, authenticator, sign_up(api)


def test_a_payment_waits_for_the_passkey_then_posts_once_and_its_key_returns_the_challenge_then_the_transfer(
        api, database_url):
    alice, authenticator, bob = funded_pair(api, database_url)
    accounts = ((alice, alice.account), (bob, bob.account))
    before = balances(api, *accounts)
    key = str(uuid.uuid4())
    pending = pay(api, alice, "50.00", to=bob.account, key=key)
    assert pending.status_code == 202, pending.text
    body = pending.json()
    assert (body["status"], body["amount"], body["currency"], body["payee"]) == (
        "authentication_required", "50.00", "EUR", {"account": bob.account, "name": None})
    assert "passkey" in body["methods"] and body["passkey_options"]["userVerification"] == "required"
    assert balances(api, *accounts) == before  # nothing moved
    again = pay(api, alice, "50.00", to=bob.account, key=key)
    assert again.status_code == 202 and again.json()["challenge_id"] == body["challenge_id"]
    problem(pay(api, alice, "51.00", to=bob.account, key=key), 422, "idempotency-key-reused")

    done = confirm_with_passkey(api, alice, authenticator, body)
    assert done.status_code == 201, done.text
    assert (done.json()["amount"], done.json()["to_account"]) == ("50.00", bob.account)
    replayed = pay(api, alice, "50.00", to=bob.account, key=key)
    assert replayed.status_code == 201 and replayed.json()["id"] == done.json()["id"]
    problem(confirm_with_passkey(api, alice, authenticator, body), 404, "not-found")  # used once
    after = balances(api, *accounts)
    assert after == ["950.00", "50.00"] and total_minor(after) == total_minor(before)


def test_a_passkey_assertion_made_for_another_amount_is_refused(api, database_url):
    alice, authenticator, bob = funded_pair(api, database_url)
    small = pay(api, alice, "50.00", to=bob.account).json()
    large = pay(api, alice, "500.00", to=bob.account).json()
    signed_for_small = authenticator.assert_(small["passkey_options"])
    refused = confirm(api, alice, large["challenge_id"], "passkey", signed_for_small)
    problem(refused, 401, "second-factor-rejected")
    assert balances(api, (alice, alice.account), (bob, bob.account)) == ["1000.00", "0.00"]
    # The large payment still waits; answered for its own amount it posts exactly that.
    assert confirm_with_passkey(api, alice, authenticator, large).status_code == 201
    assert balances(api, (alice, alice.account), (bob, bob.account)) == ["500.00", "500.00"]


def test_a_replayed_totp_code_is_refused_and_a_code_confirms_only_the_payment_it_answers(api, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "300.00")
    totp, _ = enrol(api, alice)
    enrolment_code = totp.now()  # accepted by the enrolment's confirmation
    first = pay(api, alice, "100.00", to=bob.account).json()
    assert first["methods"] == ["totp", "recovery_code"] and first["passkey_options"] is None
    replayed = confirm(api, alice, first["challenge_id"], "totp", enrolment_code)
    if replayed.status_code == 201:  # the step turned over between the two: that was a new code
        replayed = confirm(api, alice, pay(api, alice, "100.00", to=bob.account).json()["challenge_id"], "totp",
                           totp.now())
    problem(replayed, 401, "second-factor-rejected")
    code = next_code(totp)
    second = pay(api, alice, "100.00", to=bob.account).json()
    assert confirm(api, alice, second["challenge_id"], "totp", code).status_code == 201
    third = pay(api, alice, "100.00", to=bob.account).json()
    problem(confirm(api, alice, third["challenge_id"], "totp", code), 401, "second-factor-rejected")
    after = balances(api, (alice, alice.account), (bob, bob.account))
    assert total_minor(after) == 30000 and after[1] in ("100.00", "200.00")


def test_the_31st_euro_and_the_sixth_low_value_transfer_ask_for_sca_and_an_sca_resets_the_allowance(
        api, database_url):
    alice, authenticator, bob = funded_pair(api, database_url)
    assert pay(api, alice, "30.01", to=bob.account).status_code == 202  # the 31st euro
    assert [pay(api, alice, "1.00", to=bob.account).status_code for _ in range(5)] == [201] * 5
    sixth = pay(api, alice, "1.00", to=bob.account)
    assert sixth.status_code == 202, sixth.text  # the sixth low-value transfer
    assert confirm_with_passkey(api, alice, authenticator, sixth.json()).status_code == 201
    # Since that SCA: 100.00 in all may go without one, and not a cent more.
    assert [pay(api, alice, amount, to=bob.account).status_code
            for amount in ("30.00", "30.00", "30.00", "10.00", "0.01")] == [201, 201, 201, 201, 202]
    after = balances(api, (alice, alice.account), (bob, bob.account))
    assert after == ["894.00", "106.00"] and total_minor(after) == 100000


def test_concurrent_low_value_transfers_never_spend_more_than_the_allowance(api, database_url):
    alice, _, bob = funded_pair(api, database_url)
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: pay(api, alice, "25.00", to=bob.account).status_code, range(8)))
    assert sorted(statuses) == [201] * 4 + [202] * 4  # 4 x 25.00 = the 100.00 allowance
    assert balances(api, (alice, alice.account), (bob, bob.account)) == ["900.00", "100.00"]


def test_a_trusted_payee_skips_sca_and_marking_one_trusted_needs_a_fresh_sca(api, database_url):
    alice, authenticator, bob = funded_pair(api, database_url)
    saved = api.post("/api/payees", json={"name": "Bob", "account": bob.account}, headers=alice.headers)
    assert saved.status_code == 201, saved.text
    payee = saved.json()["id"]
    pending = pay(api, alice, "200.00", payee_id=payee)
    assert pending.status_code == 202 and pending.json()["payee"] == {"account": bob.account, "name": "Bob"}
    last_sca_an_hour_ago(database_url, alice)
    problem(api.patch(f"/api/payees/{payee}", json={"trusted": True}, headers=alice.headers), 403, "sca-required")
    carol = sign_up(api)
    problem(api.post("/api/payees", json={"name": "Carol", "account": carol.account, "trusted": True},
                     headers=alice.headers), 403, "sca-required")
    step_up_with_passkey(api, alice, authenticator)
    trusted = api.patch(f"/api/payees/{payee}", json={"trusted": True}, headers=alice.headers)
    assert trusted.status_code == 200 and trusted.json()["trusted"] is True
    paid = pay(api, alice, "200.00", payee_id=payee)
    assert paid.status_code == 201, paid.text
    after = balances(api, (alice, alice.account), (bob, bob.account))
    assert after == ["800.00", "200.00"] and total_minor(after) == 100000


def test_a_standing_order_to_an_untrusted_payee_needs_a_fresh_sca_once_and_then_pays_without_one(
        api, run, runtime, sql, database_url):
    """Art. 14: a series is authenticated when it is set up, not at each payment; without that, a
    standing order dated today would be a way round the payment's own SCA."""
    alice, authenticator, bob = funded_pair(api, database_url)
    payee = api.post("/api/payees", json={"name": "Bob", "account": bob.account}, headers=alice.headers).json()["id"]
    savings = api.post("/api/accounts", json={"name": "Savings", "currency": "EUR"}, headers=alice.headers).json()
    last_sca_an_hour_ago(database_url, alice)
    today = bank_date(datetime.now(UTC)).isoformat()
    order = {"from_account": alice.account, "amount": "200.00", "description": "Rent", "first_date": today,
             "frequency": "monthly"}
    key = str(uuid.uuid4())
    problem(set_up_order(api, alice, {**order, "to_account": bob.account}, key), 403, "sca-required")
    problem(set_up_order(api, alice, {**order, "payee_id": payee}), 403, "sca-required")
    assert api.get("/api/standing-orders", headers=alice.headers).json()["items"] == []  # nothing set up
    to_savings = set_up_order(api, alice, {**order, "to_account": savings["number"], "frequency": "weekly"})
    assert to_savings.status_code == 201, to_savings.text  # own accounts: exempt

    step_up_with_passkey(api, alice, authenticator)
    rent = set_up_order(api, alice, {**order, "to_account": bob.account}, key)
    assert rent.status_code == 201, rent.text
    last_sca_an_hour_ago(database_url, alice)
    again = set_up_order(api, alice, {**order, "to_account": bob.account}, key)  # the retry: not asked again
    assert again.status_code == 201 and again.json()["id"] == rent.json()["id"]

    # The run pays the series without asking (its owner is not there to answer).
    sql.execute("UPDATE standing_orders SET status = 'cancelled', next_date = NULL WHERE status IN"
                " ('active', 'paused') AND id <> %s", (rent.json()["id"],))
    run(run_due(runtime.db, datetime.now(UTC), RetryPolicy()))
    after = balances(api, (alice, alice.account), (bob, bob.account))
    assert after == ["800.00", "200.00"] and total_minor(after) == 100000


def test_a_standing_order_to_a_trusted_payee_or_by_a_customer_without_a_factor_is_not_asked_for_sca(
        api, database_url):
    alice, authenticator, bob = funded_pair(api, database_url)
    trusted = api.post("/api/payees", json={"name": "Bob", "account": bob.account, "trusted": True},
                       headers=alice.headers)  # just after the passkey's registration: a fresh SCA
    assert trusted.status_code == 201, trusted.text
    last_sca_an_hour_ago(database_url, alice)
    order = {"from_account": alice.account, "amount": "20.00", "first_date": bank_date(datetime.now(UTC)).isoformat(),
             "frequency": "weekly"}
    assert set_up_order(api, alice, {**order, "payee_id": trusted.json()["id"]}).status_code == 201
    carol = sign_up(api)  # no second factor: nothing to prove it with, as when paying
    assert set_up_order(api, carol, {**order, "from_account": carol.account, "to_account": bob.account}
                        ).status_code == 201


def test_transfers_between_ones_own_accounts_skip_sca(api, database_url):
    alice, _, _ = funded_pair(api, database_url)
    savings = api.post("/api/accounts", json={"name": "Savings", "currency": "EUR"}, headers=alice.headers)
    assert savings.status_code == 201, savings.text
    moved = pay(api, alice, "500.00", to=savings.json()["number"])
    assert moved.status_code == 201, moved.text
    after = balances(api, (alice, alice.account), (alice, savings.json()["number"]))
    assert after == ["500.00", "500.00"]


def test_two_confirmations_at_once_post_one_transfer(api, database_url):
    alice, authenticator, bob = funded_pair(api, database_url)
    pending = pay(api, alice, "70.00", to=bob.account).json()
    answers = [authenticator.assert_(pending["passkey_options"]) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(lambda answer: confirm(api, alice, pending["challenge_id"], "passkey", answer),
                                  answers))
    assert sorted(r.status_code for r in responses)[0] == 201
    assert [r.status_code for r in responses].count(201) == 1, [r.text for r in responses]
    assert balances(api, (alice, alice.account), (bob, bob.account)) == ["930.00", "70.00"]


def test_another_customers_challenge_is_not_found_and_counts_no_failure_against_its_owner(api, database_url):
    alice, authenticator, bob = funded_pair(api, database_url)
    mallory, _ = customer_with_passkey(api)
    pending = pay(api, alice, "70.00", to=bob.account).json()
    for _ in range(6):
        problem(confirm(api, mallory, pending["challenge_id"], "totp", "000000"), 404, "not-found")
    assert confirm_with_passkey(api, alice, authenticator, pending).status_code == 201
    assert balances(api, (alice, alice.account), (bob, bob.account)) == ["930.00", "70.00"]


def test_a_customer_without_a_second_factor_is_not_asked(api, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "500.00")
    assert pay(api, alice, "400.00", to=bob.account).status_code == 201
    assert balances(api, (alice, alice.account), (bob, bob.account)) == ["100.00", "400.00"]


def set_strong_authentication(database_url: str, username: str, proved: bool) -> None:
    """The staff member's sessions as a second factor proved them (a sign-in with it, a step-up),
    or as a password alone leaves them."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE sessions SET strongly_authenticated_at = CASE WHEN %s THEN now() END"
                     " WHERE user_id = (SELECT id FROM users WHERE username = %s)", (proved, username))


def refused_unproved(response) -> None:
    """403 from a staff session no second factor proved: sca-required from the deposit's own check,
    or factor-enrolment-required where the edge's enrolment gate (which stops such staff sessions
    everywhere) answers first; either way nothing is taken."""
    assert response.status_code == 403, response.text
    assert response.json()["type"].rsplit("/", 1)[-1] in ("sca-required", "factor-enrolment-required")


def test_a_staff_deposit_needs_a_strongly_authenticated_session(api, database_url):
    customer = sign_up(api)
    username, password = make_admin(database_url)
    staff = {"Authorization": f"Bearer {sign_in(api, username, password)}"}
    url = f"/api/manage/accounts/{customer.account}/deposits"
    set_strong_authentication(database_url, username, False)
    refused_unproved(api.post(url, json={"amount": "25.00"}, headers=staff))
    assert balances(api, (customer, customer.account)) == ["0.00"]
    set_strong_authentication(database_url, username, True)
    assert api.post(url, json={"amount": "25.00"}, headers=staff).status_code == 201
    assert balances(api, (customer, customer.account)) == ["25.00"]


def test_approving_a_deposit_needs_a_strongly_authenticated_session(api, database_url):
    customer = sign_up(api)
    maker_name, password = make_admin(database_url)
    checker_name, _ = make_admin(database_url)
    maker = {"Authorization": f"Bearer {sign_in(api, maker_name, password)}"}
    checker = {"Authorization": f"Bearer {sign_in(api, checker_name, password)}"}
    set_strong_authentication(database_url, maker_name, True)
    taken = api.post(f"/api/manage/accounts/{customer.account}/deposits", json={"amount": "20000.00"}, headers=maker)
    assert taken.status_code == 202, taken.text
    approve = f"/api/manage/approvals/{taken.json()['id']}/approve"
    set_strong_authentication(database_url, checker_name, False)
    refused_unproved(api.post(approve, headers=checker))
    assert balances(api, (customer, customer.account)) == ["0.00"]
    set_strong_authentication(database_url, checker_name, True)
    assert api.post(approve, headers=checker).status_code == 200
    assert balances(api, (customer, customer.account)) == ["20000.00"]


def test_with_sca_off_a_factor_holder_pays_and_staff_deposit_without_a_second_factor(database_url, tmp_path):
    import httpx

    from tests.conftest import LocalHost

    host = LocalHost(database_url, tmp_path / "host.log", SCA_MODE="off").start()
    try:
        with httpx.Client(base_url=host.base_url, timeout=30) as api:
            alice, _, bob = funded_pair(api, database_url)
            assert pay(api, alice, "500.00", to=bob.account).status_code == 201
            username, password = make_admin(database_url)
            staff = {"Authorization": f"Bearer {sign_in(api, username, password)}",
                     "Idempotency-Key": str(uuid.uuid4())}
            deposited = api.post(f"/api/manage/accounts/{bob.account}/deposits", json={"amount": "5.00"}, headers=staff)
            assert deposited.status_code == 201, deposited.text
            assert balances(api, (alice, alice.account), (bob, bob.account)) == ["500.00", "505.00"]
    finally:
        host.stop()


def test_a_currency_with_its_own_low_value_limits_is_held_to_them_and_others_to_the_default(database_url, tmp_path):
    import httpx

    from tests.conftest import LocalHost

    host = LocalHost(database_url, tmp_path / "host.log",
                     SCA_LOW_VALUE_BY_CURRENCY='{"GBP": {"max": "10.00", "total": "15.00", "payments": 5}}').start()
    try:
        with httpx.Client(base_url=host.base_url, timeout=30) as api:
            alice, _, bob = funded_pair(api, database_url)
            opened = [api.post("/api/accounts", json={"name": "Sterling", "currency": "GBP"}, headers=owner.headers)
                      for owner in (alice, bob)]
            pounds, bobs_pounds = (answer.json()["number"] for answer in opened)
            deposit(database_url, pounds, "100.00")
            sterling = {"from_account": pounds, "to_account": bobs_pounds}
            assert pay_body(api, alice, {**sterling, "amount": "10.01"}).status_code == 202  # above GBP's 10.00
            assert pay_body(api, alice, {**sterling, "amount": "10.00"}).status_code == 201
            assert pay_body(api, alice, {**sterling, "amount": "5.01"}).status_code == 202  # past GBP's 15.00 total
            assert pay(api, alice, "30.00", to=bob.account).status_code == 201  # EUR: the default 30.00
            after = balances(api, (alice, pounds), (bob, bobs_pounds), (alice, alice.account), (bob, bob.account))
            assert after == ["90.00", "10.00", "970.00", "30.00"]
    finally:
        host.stop()

"""A refusal kept under its Idempotency-Key, over HTTP through the local Functions host and real PostgreSQL:
the retry a client sends after losing the answer gets the same status and problem type, moving nothing."""

import uuid

from tests.api.test_customer_api import problem
from tests.helpers import deposit, make_admin, sign_in, sign_up


def balance_of(api, customer) -> str:
    return api.get(f"/api/accounts/{customer.account}", headers=customer.headers).json()["balance"]


def test_a_refused_transfer_retried_with_its_key_gets_the_same_problem_even_after_funds_arrive(api, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "5.00")
    headers = {**alice.headers, "Idempotency-Key": str(uuid.uuid4())}
    body = {"from_account": alice.account, "to_account": bob.account, "amount": "20.00"}
    first = problem(api.post("/api/transfers", headers=headers, json=body), 409, "insufficient-funds")
    deposit(database_url, alice.account, "50.00")
    again = problem(api.post("/api/transfers", headers=headers, json=body), 409, "insufficient-funds")
    assert (again["type"], again["title"], again["detail"]) == (first["type"], first["title"], first["detail"])
    assert balance_of(api, alice) == "55.00" and balance_of(api, bob) == "0.00"
    problem(api.post("/api/transfers", headers=headers, json={**body, "amount": "1.00"}), 422, "idempotency-key-reused")
    fresh = api.post("/api/transfers", headers={**alice.headers, "Idempotency-Key": str(uuid.uuid4())}, json=body)
    assert fresh.status_code == 201, fresh.text
    assert balance_of(api, alice) == "35.00" and balance_of(api, bob) == "20.00"


def test_a_deposit_refused_for_a_frozen_account_stays_refused_under_its_key_after_unfreezing(api, database_url):
    customer = sign_up(api)
    username, password = make_admin(database_url)
    staff = {"Authorization": f"Bearer {sign_in(api, username, password)}"}
    account = f"/api/manage/accounts/{customer.account}"
    assert api.patch(account, json={"status": "frozen"}, headers=staff).status_code == 200
    keyed = {**staff, "Idempotency-Key": str(uuid.uuid4())}
    problem(api.post(f"{account}/deposits", headers=keyed, json={"amount": "5.00"}), 409, "account-frozen")
    assert api.patch(account, json={"status": "active"}, headers=staff).status_code == 200
    problem(api.post(f"{account}/deposits", headers=keyed, json={"amount": "5.00"}), 409, "account-frozen")
    assert balance_of(api, customer) == "0.00"
    assert api.post(f"{account}/deposits", headers=staff, json={"amount": "5.00"}).status_code == 201
    assert balance_of(api, customer) == "5.00"


def test_a_body_refused_as_invalid_is_not_kept_so_the_corrected_body_goes_through_under_the_same_key(
        api, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "10.00")
    headers = {**alice.headers, "Idempotency-Key": str(uuid.uuid4())}
    body = {"from_account": alice.account, "to_account": bob.account, "amount": "1.00"}
    invalid = problem(api.post("/api/transfers", headers=headers, json={**body, "to_account": alice.account}),
                      422, "validation-error")
    assert invalid["errors"][0]["field"] == "to_account"
    problem(api.post("/api/transfers", headers=headers, json={**body, "amount": "1.001"}), 422, "validation-error")
    sent = api.post("/api/transfers", headers=headers, json=body)
    assert sent.status_code == 201, sent.text
    assert balance_of(api, alice) == "9.00" and balance_of(api, bob) == "1.00"

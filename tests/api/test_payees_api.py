"""Payees, Verification of Payee and paying a payee, over HTTP through the local host (issue 16)."""

import uuid

import httpx

from shared import account_numbers
from tests.api.test_customer_api import problem
from tests.api.test_sessions_api import as_browser, cookie_of, login
from tests.helpers import PASSWORD, Customer, deposit, register_body, sign_in, sign_up

# The host's default VOP_CHECKS_PER_HOUR.
CHECKS_PER_HOUR = 20


def holder(api: httpx.Client, full_name: str) -> Customer:
    body = register_body(full_name=full_name)
    created = api.post("/api/auth/register", json=body)
    assert created.status_code == 201, created.text
    return Customer(body["username"], sign_in(api, body["username"], PASSWORD), created.json()["user"]["id"],
                    created.json()["account"]["number"])


def verify(api, caller: Customer, name: str, account: str) -> httpx.Response:
    return api.post("/api/payees/verify", json={"name": name, "account": account}, headers=caller.headers)


def add(api, caller: Customer, account: str, name: str = "Payee", **extra) -> dict:
    created = api.post("/api/payees", json={"name": name, "account": account, **extra}, headers=caller.headers)
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_a_payee_is_added_listed_changed_and_deleted(api):
    alice, bob = sign_up(api), sign_up(api)
    typed = bob.account.lower()[:4] + " " + bob.account[4:]
    created = add(api, alice, typed, "Bob", reference="Rent")
    assert set(created) == {"id", "name", "account", "reference", "trusted", "created_at", "last_paid_at"}
    assert (created["account"], created["reference"], created["trusted"], created["last_paid_at"]) == (
        bob.account, "Rent", False, None)
    assert api.get("/api/payees", headers=alice.headers).json() == {"items": [created]}

    changed = api.patch(f"/api/payees/{created['id']}", json={"trusted": True, "name": "Bob B."}, headers=alice.headers)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["trusted"], changed.json()["reference"]) == ("Bob B.", True, "Rent")

    deleted = api.delete(f"/api/payees/{created['id']}", headers=alice.headers)
    assert deleted.status_code == 204 and deleted.content == b""
    assert api.get("/api/payees", headers=alice.headers).json() == {"items": []}
    problem(api.delete(f"/api/payees/{created['id']}", headers=alice.headers), 404, "payee-not-found")


def test_bad_payee_requests_are_4xx_naming_the_field(api):
    alice, bob = sign_up(api), sign_up(api)
    mistyped = bob.account[:-1] + str((int(bob.account[-1]) + 1) % 10)
    refused = problem(api.post("/api/payees", json={"name": "Bob", "account": mistyped}, headers=alice.headers),
                      422, "validation-error")
    assert [error["field"] for error in refused["errors"]] == ["account"]
    refused = problem(api.post("/api/payees", json={"name": "", "account": bob.account, "role": "admin"},
                               headers=alice.headers), 422, "validation-error")
    assert sorted(error["field"] for error in refused["errors"]) == ["name", "role"]

    payee = add(api, alice, bob.account)
    twice = problem(api.post("/api/payees", json={"name": "Bob again", "account": bob.account},
                             headers=alice.headers), 409, "payee-exists")
    assert [error["field"] for error in twice["errors"]] == ["account"]
    problem(api.patch(f"/api/payees/{payee['id']}", json={}, headers=alice.headers), 422, "validation-error")
    problem(api.patch(f"/api/payees/{payee['id']}", json={"account": alice.account}, headers=alice.headers),
            422, "validation-error")  # the account of a payee is not changed: a new number is a new payee
    problem(api.patch("/api/payees/not-a-uuid", json={"trusted": True}, headers=alice.headers), 404,
            "payee-not-found")
    problem(api.delete(f"/api/payees/{uuid.uuid4()}", headers=alice.headers), 404, "payee-not-found")
    problem(verify(api, alice, "Bob", "IE00"), 422, "validation-error")
    hidden = problem(verify(api, alice, "Bob\u0000", bob.account), 422, "validation-error")
    assert hidden["errors"] == [{"field": "name", "message": "must not contain invisible or control characters "
                                                             "(found U+0000)"}]
    own = add(api, alice, alice.account, "My own account")  # one's own account may be a payee
    assert own["account"] == alice.account


def test_customers_never_see_change_delete_or_pay_each_others_payees(api, database_url):
    alice, mallory, bob = sign_up(api), sign_up(api), sign_up(api)
    deposit(database_url, mallory.account, "5.00")
    payee = add(api, alice, bob.account, "Bob")
    assert api.get("/api/payees", headers=mallory.headers).json() == {"items": []}
    problem(api.patch(f"/api/payees/{payee['id']}", json={"name": "Mallory"}, headers=mallory.headers), 404,
            "payee-not-found")
    problem(api.delete(f"/api/payees/{payee['id']}", headers=mallory.headers), 404, "payee-not-found")
    body = {"from_account": mallory.account, "payee_id": payee["id"], "amount": "1.00"}
    problem(api.post("/api/transfers", json=body, headers=mallory.headers), 404, "payee-not-found")
    problem(api.post("/api/transfers/preview", json=body, headers=mallory.headers), 404, "payee-not-found")
    assert api.get("/api/payees", headers=alice.headers).json()["items"][0]["name"] == "Bob"


def test_verification_answers_each_result_and_names_the_holder_only_on_a_close_match(api):
    caller, john = sign_up(api), holder(api, "John Patrick Murphy")
    answers = {name: verify(api, caller, name, john.account) for name in
               ("john patrick MURPHY", "J. Murphy", "Mary Byrne")}
    assert {name: (r.status_code, r.json()) for name, r in answers.items()} == {
        "john patrick MURPHY": (200, {"result": "match"}),
        "J. Murphy": (200, {"result": "close_match", "name": "John Patrick Murphy"}),
        "Mary Byrne": (200, {"result": "no_match"}),
    }
    # No name (nor any part of it) on a match or no match: the payer learns only yes or no.
    for name in ("john patrick MURPHY", "Mary Byrne"):
        assert "Patrick" not in answers[name].text and "name" not in answers[name].json()
    unknown = verify(api, caller, "John Murphy", account_numbers.generate())
    assert unknown.json() == {"result": "not_possible"}


def test_verification_is_throttled_per_customer_so_names_cannot_be_harvested(api):
    harvester, other, john = sign_up(api), sign_up(api), holder(api, "John Murphy")
    guesses = [verify(api, harvester, f"Guess {n}", john.account) for n in range(CHECKS_PER_HOUR)]
    assert {r.status_code for r in guesses} == {200}
    refused = problem(verify(api, harvester, "John Murphy", john.account), 429, "too-many-requests")
    assert "name" not in refused and "John" not in str(refused)
    assert 0 < int(refused_retry_after(api, harvester, john)) <= 3600
    # A fresh sign-in is the same customer: the count is theirs, not their session's.
    again = Customer(harvester.username, sign_in(api, harvester.username, PASSWORD), harvester.user_id,
                     harvester.account)
    problem(verify(api, again, "John Murphy", john.account), 429, "too-many-requests")
    assert verify(api, other, "John Murphy", john.account).json() == {"result": "match"}


def refused_retry_after(api, caller: Customer, target: Customer) -> str:
    response = verify(api, caller, "John Murphy", target.account)
    assert response.status_code == 429
    return str(response.headers["retry-after"])


def test_paying_a_payee_posts_sets_last_paid_and_history_shows_the_name(api, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "20.00")
    payee = add(api, alice, bob.account, "Bob the builder")
    body = {"from_account": alice.account, "payee_id": payee["id"], "amount": "7.50", "description": "Shed"}
    previewed = api.post("/api/transfers/preview", json=body, headers=alice.headers)
    assert previewed.status_code == 200, previewed.text
    assert previewed.json()["to_account"] == bob.account
    key = {"Idempotency-Key": str(uuid.uuid4())}
    sent = api.post("/api/transfers", json=body, headers={**alice.headers, **key})
    assert sent.status_code == 201, sent.text
    assert (sent.json()["to_account"], sent.json()["amount"]) == (bob.account, "7.50")
    again = api.post("/api/transfers", json=body, headers={**alice.headers, **key})
    assert again.json()["id"] == sent.json()["id"]
    by_number = {"from_account": alice.account, "to_account": bob.account, "amount": "7.50", "description": "Shed"}
    problem(api.post("/api/transfers", json=by_number, headers={**alice.headers, **key}), 422,
            "idempotency-key-reused")
    assert api.get("/api/payees", headers=alice.headers).json()["items"][0]["last_paid_at"] is not None

    entry = api.get("/api/transactions", params={"account": alice.account}, headers=alice.headers).json()["items"][0]
    assert (entry["counterparty_account"], entry["counterparty_name"], entry["amount"]) == (
        bob.account, "Bob the builder", "7.50")
    bobs = api.get("/api/transactions", params={"account": bob.account}, headers=bob.headers).json()["items"][0]
    assert bobs["counterparty_name"] is None  # Bob saved no payee: he sees the number only
    assert api.delete(f"/api/payees/{payee['id']}", headers=alice.headers).status_code == 204
    kept = api.get("/api/transactions", params={"account": alice.account}, headers=alice.headers).json()["items"][0]
    assert (kept["id"], kept["counterparty_account"], kept["counterparty_name"]) == (sent.json()["id"], bob.account, None)


def test_a_transfer_names_an_account_or_a_payee_exactly_once(api, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "5.00")
    payee = add(api, alice, bob.account)
    base = {"from_account": alice.account, "amount": "1.00"}
    for body in (base, {**base, "payee_id": payee["id"], "to_account": bob.account}):
        for route in ("/api/transfers", "/api/transfers/preview"):
            refused = problem(api.post(route, json=body, headers=alice.headers), 422, "validation-error")
            assert [error["field"] for error in refused["errors"]] == ["to_account"]
    own = add(api, alice, alice.account, "Me")
    same = problem(api.post("/api/transfers", json={**base, "payee_id": own["id"]}, headers=alice.headers),
                   422, "validation-error")
    assert [error["field"] for error in same["errors"]] == ["payee_id"]
    assert api.get(f"/api/accounts/{alice.account}", headers=alice.headers).json()["balance"] == "5.00"


def test_a_browser_pays_a_payee_with_its_session_cookie(api, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "5.00")
    payee = add(api, alice, bob.account)
    browser = as_browser(cookie_of(login(api, alice.username)))
    sent = api.post("/api/transfers", json={"from_account": alice.account, "payee_id": payee["id"], "amount": "2.00"},
                    headers=browser)
    assert sent.status_code == 201, sent.text
    assert api.get(f"/api/accounts/{bob.account}", headers=bob.headers).json()["balance"] == "2.00"
    api.post("/api/auth/logout", headers=browser)
    ended = api.post("/api/transfers", json={"from_account": alice.account, "payee_id": payee["id"],
                                             "amount": "1.00"}, headers=browser)
    assert ended.status_code == 401

"""The customer journey over HTTP through the local Functions host, against real PostgreSQL."""

import uuid

import httpx

from tests.helpers import PASSWORD, deposit, make_admin, register_body, sign_in, sign_up, unique


def problem(response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("/" + slug) and body["status"] == status and body["correlation_id"]
    assert response.headers["x-correlation-id"] == body["correlation_id"]
    return body


def test_health_reports_the_database(api):
    assert api.get("/api/health").json() == {"status": "ok", "database": "ok"}


def test_register_creates_a_customer_with_a_first_eur_account(api):
    body = register_body()
    response = api.post("/api/auth/register", json=body)
    assert response.status_code == 201
    created = response.json()
    assert created["user"]["username"] == body["username"] and created["user"]["role"] == "user"
    assert "password" not in response.text and "hash" not in response.text
    assert created["account"]["currency"] == "EUR" and created["account"]["balance"] == "0.00"
    assert created["account"]["name"] == "Current account"  # registration promises "a euro current account"


def test_a_taken_username_or_email_is_409_even_in_another_letter_case(api):
    body = register_body()
    assert api.post("/api/auth/register", json=body).status_code == 201
    problem(api.post("/api/auth/register", json={**body, "username": body["username"].upper(),
                                                  "email": unique() + "@example.com"}), 409, "username-taken")
    problem(api.post("/api/auth/register", json=register_body(email=body["email"].upper())), 409, "email-taken")


def test_register_refuses_a_weak_password_or_a_mismatched_confirmation_naming_the_field(api):
    weak = problem(api.post("/api/auth/register", json=register_body(password="password", password_confirmation="password")),
                   422, "validation-error")
    assert [e["field"] for e in weak["errors"]] == ["password"]
    mismatch = api.post("/api/auth/register", json=register_body(password_confirmation="Other-pass-9"))
    assert [e["field"] for e in problem(mismatch, 422, "validation-error")["errors"]] == ["password_confirmation"]


def test_nobody_sets_their_own_role_at_registration(api):
    body = problem(api.post("/api/auth/register", json=register_body(role="admin")), 422, "validation-error")
    assert body["errors"][0]["field"] == "role"


def test_login_gives_the_same_answer_for_an_unknown_user_and_a_wrong_password(api):
    customer = sign_up(api)
    wrong = problem(api.post("/api/auth/login", json={"username": customer.username, "password": "Wrong-pass-1"}),
                    401, "invalid-credentials")
    unknown = problem(api.post("/api/auth/login", json={"username": unique(), "password": "Wrong-pass-1"}),
                      401, "invalid-credentials")
    assert wrong["detail"] == unknown["detail"] and wrong["title"] == unknown["title"]


def test_login_returns_a_bearer_token_and_the_user(api):
    body = register_body()
    api.post("/api/auth/register", json=body)
    response = api.post("/api/auth/login", json={"username": body["username"], "password": PASSWORD})
    login = response.json()
    assert response.status_code == 200 and login["token_type"] == "Bearer" and login["expires_in"] > 0
    assert login["user"]["username"] == body["username"]
    me = api.get("/api/me", headers={"Authorization": f"Bearer {login['access_token']}"})
    assert me.json()["id"] == login["user"]["id"]


def test_five_failed_logins_lock_the_username_with_429_and_retry_after(api):
    customer = sign_up(api)
    for _ in range(5):
        assert api.post("/api/auth/login", json={"username": customer.username,
                                                 "password": "Wrong-pass-1"}).status_code == 401
    locked = api.post("/api/auth/login", json={"username": customer.username, "password": PASSWORD})
    problem(locked, 429, "too-many-login-attempts")
    assert 0 < int(locked.headers["retry-after"]) <= 900


def test_accounts_list_open_and_read_only_the_callers(api):
    alice, bob = sign_up(api), sign_up(api)
    opened = api.post("/api/accounts", json={"name": "Dollars", "currency": "USD"}, headers=alice.headers)
    assert opened.status_code == 201 and opened.json()["balance"] == "0.00"
    numbers = [a["number"] for a in api.get("/api/accounts", headers=alice.headers).json()["items"]]
    assert numbers == [alice.account, opened.json()["number"]]
    assert api.get(f"/api/accounts/{alice.account}", headers=alice.headers).status_code == 200
    problem(api.get(f"/api/accounts/{alice.account}", headers=bob.headers), 404, "account-not-found")
    problem(api.post("/api/accounts", json={"name": "X", "currency": "JPY"}, headers=alice.headers),
            422, "validation-error")


def test_transfer_then_both_histories_show_it(api, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "100.00")
    sent = api.post("/api/transfers", headers={**alice.headers, "Idempotency-Key": str(uuid.uuid4())},
                    json={"from_account": alice.account, "to_account": bob.account, "amount": "12.50",
                          "description": "Lunch"})
    assert sent.status_code == 201, sent.text
    transfer = sent.json()
    assert (transfer["amount"], transfer["currency"], transfer["description"]) == ("12.50", "EUR", "Lunch")
    alice_history = api.get("/api/transactions", headers=alice.headers).json()["items"]
    bob_history = api.get("/api/transactions", headers=bob.headers).json()["items"]
    assert alice_history[0]["id"] == transfer["id"] and alice_history[0]["direction"] == "debit"
    assert bob_history[0] == {**alice_history[0], "account": bob.account, "counterparty_account": alice.account,
                              "direction": "credit"}
    assert api.get(f"/api/accounts/{alice.account}", headers=alice.headers).json()["balance"] == "87.50"


def test_a_json_number_amount_works_and_responses_always_send_strings(api, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "10.00")
    sent = api.post("/api/transfers", headers=alice.headers, content=(
        '{"from_account":"%s","to_account":"%s","amount":2.5}' % (alice.account, bob.account)),
        )
    problem(sent, 415, "unsupported-media-type")
    sent = api.post("/api/transfers", headers={**alice.headers, "content-type": "application/json"}, content=(
        '{"from_account":"%s","to_account":"%s","amount":2.5}' % (alice.account, bob.account)))
    assert sent.status_code == 201 and sent.json()["amount"] == "2.50"


def test_transfer_refusals_have_their_own_problem_types(api, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "5.00")
    base = {"from_account": alice.account, "to_account": bob.account, "amount": "1.00"}
    problem(api.post("/api/transfers", headers=alice.headers, json={**base, "amount": "5.01"}), 409, "insufficient-funds")
    problem(api.post("/api/transfers", headers=bob.headers, json=base), 404, "account-not-found")
    invalid = problem(api.post("/api/transfers", headers=alice.headers,
                               json={**base, "to_account": bob.account[:-1] + str((int(bob.account[-1]) + 1) % 10)}),
                      422, "validation-error")
    assert invalid["errors"][0]["field"] == "to_account"
    usd = api.post("/api/accounts", json={"name": "USD", "currency": "USD"}, headers=bob.headers).json()["number"]
    problem(api.post("/api/transfers", headers=alice.headers, json={**base, "to_account": usd}), 422, "currency-mismatch")
    assert api.get(f"/api/accounts/{alice.account}", headers=alice.headers).json()["balance"] == "5.00"


def test_an_idempotent_retry_returns_the_same_transfer_and_moves_money_once(api, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "100.00")
    headers = {**alice.headers, "Idempotency-Key": str(uuid.uuid4())}
    body = {"from_account": alice.account, "to_account": bob.account, "amount": "60.00"}
    first, second = (api.post("/api/transfers", headers=headers, json=body) for _ in range(2))
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    problem(api.post("/api/transfers", headers=headers, json={**body, "amount": "1.00"}), 422, "idempotency-key-reused")
    assert api.get(f"/api/accounts/{alice.account}", headers=alice.headers).json()["balance"] == "40.00"


def test_a_transfer_or_deposit_without_an_idempotency_key_is_428_and_moves_nothing(api, local_host, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "10.00")
    staff = {"Authorization": f"Bearer {sign_in(api, *make_admin(database_url))}"}
    with httpx.Client(base_url=local_host.base_url, timeout=30) as bare:  # no key added by a hook
        sent = bare.post("/api/transfers", headers=alice.headers,
                         json={"from_account": alice.account, "to_account": bob.account, "amount": "1.00"})
        deposited = bare.post(f"/api/manage/accounts/{bob.account}/deposits", headers=staff,
                              json={"amount": "5.00"})
    problem(sent, 428, "idempotency-key-required")
    problem(deposited, 428, "idempotency-key-required")
    assert api.get(f"/api/accounts/{alice.account}", headers=alice.headers).json()["balance"] == "10.00"
    assert api.get(f"/api/accounts/{bob.account}", headers=bob.headers).json()["balance"] == "0.00"


def test_a_registration_whose_username_and_email_are_both_taken_names_both_fields(api):
    taken = register_body()
    assert api.post("/api/auth/register", json=taken).status_code == 201
    both = problem(api.post("/api/auth/register", json=register_body(taken["username"].upper(),
                                                                      email=taken["email"])), 409, "username-taken")
    assert [error["field"] for error in both["errors"]] == ["username", "email"]
    email_only = problem(api.post("/api/auth/register", json=register_body(email=taken["email"])), 409, "email-taken")
    assert [error["field"] for error in email_only["errors"]] == ["email"]


def test_history_pages_follow_the_cursor_without_gaps_or_repeats(api, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "100.00")
    for cents in range(1, 8):
        api.post("/api/transfers", headers=alice.headers,
                 json={"from_account": alice.account, "to_account": bob.account, "amount": f"0.0{cents}"})
    seen, cursor = [], None
    while True:
        page = api.get("/api/transactions", params={"limit": 3, **({"cursor": cursor} if cursor else {})},
                       headers=alice.headers).json()
        seen += [item["amount"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"0.0{c}" for c in range(7, 0, -1)] + ["100.00"]
    problem(api.get("/api/transactions", params={"cursor": "forged"}, headers=alice.headers), 422, "validation-error")
    problem(api.get("/api/transactions", params={"limit": 100000}, headers=alice.headers), 422, "validation-error")
    only_bob = api.get("/api/transactions", params={"account": bob.account}, headers=alice.headers).json()
    assert only_bob["items"] == []


def test_missing_or_bad_tokens_are_401(api):
    problem(api.get("/api/accounts"), 401, "unauthorized")
    problem(api.get("/api/accounts", headers={"Authorization": "Bearer nope"}), 401, "unauthorized")
    problem(api.get("/api/accounts", headers={"Authorization": "Basic abc"}), 401, "unauthorized")


def test_a_customer_cannot_reach_the_back_office(api):
    customer = sign_up(api)
    problem(api.get("/api/manage/users", headers=customer.headers), 403, "forbidden")


def test_unknown_routes_and_methods_get_problem_json(api):
    assert api.get("/api/nope").status_code == 404
    assert api.delete("/api/accounts").status_code == 405


def test_the_openapi_document_is_served(api):
    document = api.get("/api/openapi.json").json()
    assert document["openapi"] == "3.1.0" and "/api/transfers" in document["paths"]

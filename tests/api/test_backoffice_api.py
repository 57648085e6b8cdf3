"""The back office over HTTP: staff routes, guard rails, audit trail."""

import uuid

import psycopg
import pytest

from tests.api.test_customer_api import problem
from tests.helpers import PASSWORD, deposit, make_admin, register_body, sign_in, sign_up, unique


@pytest.fixture
def staff(api, database_url) -> dict[str, str]:
    username, password = make_admin(database_url)
    headers = {"Authorization": f"Bearer {sign_in(api, username, password)}"}
    return headers


def create_user(api, staff, **overrides) -> dict:
    body = {k: v for k, v in register_body(**overrides).items() if k != "password_confirmation"}
    response = api.post("/api/manage/users", json={**body, "role": overrides.get("role", "user")}, headers=staff)
    assert response.status_code == 201, response.text
    return response.json()


def test_staff_create_a_user_who_gets_a_first_eur_account_and_can_sign_in(api, staff):
    user = create_user(api, staff)
    assert [a["currency"] for a in user["accounts"]] == ["EUR"]
    assert sign_in(api, user["username"], PASSWORD)


def test_staff_search_users_with_keyset_paging(api, staff):
    tag = unique("srch")
    for i in range(3):
        create_user(api, staff, username=f"{tag}{i}", full_name=f"Searchable {tag}")
    first = api.get("/api/manage/users", params={"q": tag, "limit": 2}, headers=staff).json()
    second = api.get("/api/manage/users", params={"q": tag, "limit": 2, "cursor": first["next_cursor"]},
                     headers=staff).json()
    assert [u["username"] for u in first["items"] + second["items"]] == [f"{tag}{i}" for i in range(3)]
    assert second["next_cursor"] is None
    assert first["items"][0]["account_count"] == 1 and first["items"][0]["balances"][0]["currency"] == "EUR"


def test_deactivating_a_user_stops_their_existing_token_at_once(api, staff):
    customer = sign_up(api)
    assert api.get("/api/accounts", headers=customer.headers).status_code == 200
    changed = api.patch(f"/api/manage/users/{customer.user_id}", json={"active": False}, headers=staff)
    assert changed.status_code == 200 and changed.json()["active"] is False
    problem(api.get("/api/accounts", headers=customer.headers), 401, "unauthorized")


def test_a_deactivated_user_with_the_right_password_is_told_sign_in_is_disabled_not_wrong_password(api, staff):
    customer = sign_up(api)
    api.patch(f"/api/manage/users/{customer.user_id}", json={"active": False}, headers=staff)
    right = problem(api.post("/api/auth/login", json={"username": customer.username, "password": PASSWORD}),
                    403, "sign-in-disabled")
    assert "contact" in right["detail"].lower() and "access_token" not in right
    problem(api.post("/api/auth/login", json={"username": customer.username, "password": PASSWORD + "x"}),
            401, "invalid-credentials")


def test_a_deactivated_user_cannot_move_money_with_a_token_issued_before(api, staff, database_url):
    customer, payee = sign_up(api), sign_up(api)
    deposit(database_url, customer.account, "50.00")
    changed = api.patch(f"/api/manage/users/{customer.user_id}", json={"active": False}, headers=staff)
    assert changed.status_code == 200
    body = {"from_account": customer.account, "to_account": payee.account, "amount": "10.00"}
    refused = api.post("/api/transfers", json=body, headers={**customer.headers, "Idempotency-Key": unique("k")})
    problem(refused, 401, "unauthorized")
    with psycopg.connect(database_url) as conn:
        moved = conn.execute("SELECT count(*) FROM transfers t JOIN accounts a ON a.id = t.debit_account_id"
                             " WHERE a.number = %s", (customer.account,)).fetchone()
    assert moved == (0,)


def test_an_update_is_audited_with_before_and_after_and_never_a_password(api, staff):
    customer = sign_up(api)
    api.patch(f"/api/manage/users/{customer.user_id}", json={"full_name": "New Name"}, headers=staff)
    record = next(r for r in api.get("/api/manage/audit", params={"limit": 50}, headers=staff).json()["items"]
                  if r["target_id"] == customer.user_id)
    assert record["action"] == "user.update"
    assert record["changes"] == {"full_name": {"before": "Test Person", "after": "New Name"}}
    created = create_user(api, staff)
    audit_page = api.get("/api/manage/audit", params={"limit": 200}, headers=staff).text
    assert PASSWORD not in audit_page and "$2b$" not in audit_page and created["id"] in audit_page


def test_freezing_an_account_blocks_transfers_both_ways_until_unfrozen(api, staff, database_url):
    alice, bob = sign_up(api), sign_up(api)
    deposit(database_url, alice.account, "50.00")
    deposit(database_url, bob.account, "50.00")
    assert api.patch(f"/api/manage/accounts/{alice.account}", json={"status": "frozen"},
                     headers=staff).json()["status"] == "frozen"
    send = {"from_account": alice.account, "to_account": bob.account, "amount": "1.00"}
    receive = {"from_account": bob.account, "to_account": alice.account, "amount": "1.00"}
    problem(api.post("/api/transfers", json=send, headers=alice.headers), 409, "account-frozen")
    problem(api.post("/api/transfers", json=receive, headers=bob.headers), 409, "account-frozen")
    assert api.get(f"/api/accounts/{alice.account}", headers=alice.headers).json()["balance"] == "50.00"
    api.patch(f"/api/manage/accounts/{alice.account}", json={"status": "active"}, headers=staff)
    assert api.post("/api/transfers", json=send, headers=alice.headers).status_code == 201


def test_closing_needs_a_zero_balance(api, staff, database_url):
    customer = sign_up(api)
    deposit(database_url, customer.account, "1.00")
    problem(api.patch(f"/api/manage/accounts/{customer.account}", json={"status": "closed"}, headers=staff),
            409, "account-has-balance")


def test_a_deposit_is_idempotent_and_lands_in_the_customers_history(api, staff):
    customer = sign_up(api)
    headers = {**staff, "Idempotency-Key": str(uuid.uuid4())}
    url = f"/api/manage/accounts/{customer.account}/deposits"
    first = api.post(url, json={"amount": "75.00", "description": "Cash at branch"}, headers=headers)
    again = api.post(url, json={"amount": "75.00", "description": "Cash at branch"}, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert api.get(f"/api/accounts/{customer.account}", headers=customer.headers).json()["balance"] == "75.00"
    staff_view = api.get(f"/api/manage/users/{customer.user_id}/transactions", headers=staff).json()["items"]
    assert staff_view == api.get("/api/transactions", headers=customer.headers).json()["items"]
    assert staff_view[0]["kind"] == "deposit" and staff_view[0]["direction"] == "credit"


def test_deleting_a_user_is_refused_while_they_hold_money_then_deactivates_and_closes(api, staff, database_url):
    customer = sign_up(api)
    deposit(database_url, customer.account, "1.00")
    problem(api.delete(f"/api/manage/users/{customer.user_id}", headers=staff), 409, "account-has-balance")
    empty = sign_up(api)
    assert api.delete(f"/api/manage/users/{empty.user_id}", headers=staff).status_code == 204
    detail = api.get(f"/api/manage/users/{empty.user_id}", headers=staff).json()
    assert detail["active"] is False and {a["status"] for a in detail["accounts"]} == {"closed"}


def test_staff_cannot_demote_deactivate_or_delete_themselves(api, database_url):
    username, password = make_admin(database_url)
    headers = {"Authorization": f"Bearer {sign_in(api, username, password)}"}
    me = api.get("/api/me", headers=headers).json()
    for attempt in (lambda: api.patch(f"/api/manage/users/{me['id']}", json={"role": "user"}, headers=headers),
                    lambda: api.patch(f"/api/manage/users/{me['id']}", json={"active": False}, headers=headers),
                    lambda: api.delete(f"/api/manage/users/{me['id']}", headers=headers)):
        problem(attempt(), 409, "self-modification")


def test_unknown_users_and_accounts_are_404(api, staff):
    problem(api.get(f"/api/manage/users/{uuid.uuid4()}", headers=staff), 404, "not-found")
    problem(api.get("/api/manage/users/not-a-uuid", headers=staff), 404, "not-found")
    problem(api.patch("/api/manage/accounts/IE16IEBK00000000000001", json={"status": "frozen"}, headers=staff),
            404, "account-not-found")


def test_staff_find_a_user_by_an_account_number_typed_with_spaces_and_in_lower_case(api, staff):
    owner = sign_up(api)
    second = api.post("/api/accounts", json={"name": "Savings", "currency": "USD"}, headers=owner.headers).json()
    typed = " ".join(second["number"][i:i + 4] for i in range(0, 22, 4)).lower()
    found = api.get("/api/manage/users", params={"q": typed}, headers=staff).json()
    assert [user["username"] for user in found["items"]] == [owner.username]
    assert found["items"][0]["account_count"] == 2
    by_name = api.get("/api/manage/users", params={"q": owner.username}, headers=staff).json()
    assert [user["username"] for user in by_name["items"]] == [owner.username]
    nobody = api.get("/api/manage/users", params={"q": second["number"][:-1]}, headers=staff).json()
    assert nobody["items"] == []


def test_a_user_locked_out_by_failed_sign_ins_signs_in_once_an_admin_unlocks_them_audited(api, staff):
    customer = sign_up(api)
    for _ in range(6):
        api.post("/api/auth/login", json={"username": customer.username, "password": "Wrong-pass-1"})
    problem(api.post("/api/auth/login", json={"username": customer.username, "password": PASSWORD}),
            429, "too-many-login-attempts")
    unlocked = api.post(f"/api/manage/users/{customer.user_id}/unlock", headers=staff)
    assert unlocked.status_code == 204 and unlocked.content == b""
    assert sign_in(api, customer.username, PASSWORD)
    record = next(r for r in api.get("/api/manage/audit", params={"limit": 50}, headers=staff).json()["items"]
                  if r["target_id"] == customer.user_id)
    assert record["action"] == "user.unlock" and record["changes"]["failed_attempts_cleared"] >= 6


def test_unlocking_an_unknown_user_is_404(api, staff):
    problem(api.post(f"/api/manage/users/{uuid.uuid4()}/unlock", headers=staff), 404, "not-found")
    problem(api.post("/api/manage/users/not-a-uuid/unlock", headers=staff), 404, "not-found")


def audit_of(api, staff, target: str) -> list[dict]:
    """The trail about one target, oldest first."""
    items = api.get("/api/manage/audit", params={"limit": 200}, headers=staff).json()["items"]
    return [record for record in reversed(items) if record["target_id"] == target]


def test_a_registration_is_audited_with_the_new_customer_as_actor(api, staff):
    customer = sign_up(api)
    [record] = [r for r in audit_of(api, staff, customer.user_id) if r["action"] == "user.register"]
    assert (record["actor_id"], record["actor_username"]) == (customer.user_id, customer.username)
    assert record["changes"]["account"] == customer.account and PASSWORD not in str(record["changes"])


def test_failed_sign_ins_and_the_lock_out_are_audited_without_the_password(api, staff):
    customer = sign_up(api)
    typed = customer.username.upper()  # the throttle's key, and the record's target, is lower case
    for _ in range(5):
        api.post("/api/auth/login", json={"username": typed, "password": "Wrong-pass-1"})
    problem(api.post("/api/auth/login", json={"username": typed, "password": PASSWORD}), 429, "too-many-login-attempts")
    trail = audit_of(api, staff, customer.username.lower())
    assert [r["action"] for r in trail] == ["auth.login_failed"] * 5 + ["auth.locked_out"]
    assert [r["changes"] for r in trail[:2]] == [{"reason": "wrong_password", "attempts": 1},
                                                 {"reason": "wrong_password", "attempts": 2}]
    assert {(r["actor_id"], r["actor_username"], r["target_type"]) for r in trail} == {(None, "anonymous", "username")}
    assert "Wrong-pass-1" not in str(trail) and PASSWORD not in str(trail)

    nobody = unique("nobody")
    api.post("/api/auth/login", json={"username": nobody, "password": "Wrong-pass-1"})
    assert [r["changes"]["reason"] for r in audit_of(api, staff, nobody)] == ["unknown_user"]


def test_the_audit_trail_filters_by_action_actor_target_and_time(api, staff, database_url):
    username, password = make_admin(database_url)
    clerk = {"Authorization": f"Bearer {sign_in(api, username, password)}"}
    customer = sign_up(api)
    api.patch(f"/api/manage/users/{customer.user_id}", json={"full_name": "Renamed"}, headers=clerk)
    api.patch(f"/api/manage/accounts/{customer.account}", json={"name": "Renamed"}, headers=clerk)

    def trail(**filters) -> list[tuple[str, str, str]]:
        response = api.get("/api/manage/audit", params={"limit": 200, **filters}, headers=staff)
        assert response.status_code == 200, response.text
        return [(r["action"], r["actor_username"], r["target_id"]) for r in response.json()["items"]]

    assert trail(actor=username.upper()) == [("account.update", username, customer.account),
                                             ("user.update", username, customer.user_id)]
    assert trail(target=customer.user_id) == [("user.update", username, customer.user_id),
                                              ("user.register", customer.username, customer.user_id)]
    spaced = " ".join(customer.account[i:i + 4] for i in range(0, 22, 4)).lower()
    assert trail(target=spaced, action="account.update") == [("account.update", username, customer.account)]
    assert trail(target=customer.user_id, action="account.update") == []
    newest = api.get("/api/manage/audit", params={"target": customer.user_id}, headers=staff).json()["items"][0]
    assert trail(target=customer.user_id, **{"from": newest["created_at"]}) == [
        ("user.update", username, customer.user_id)]
    assert trail(target=customer.user_id, to="2000-01-01T00:00:00Z") == []


def test_audit_filters_are_validated_naming_the_field(api, staff):
    for params, field in (({"from": "yesterday"}, "from"), ({"to": "2026-12-02T10:00:00"}, "to"),
                          ({"from": "2026-12-02T10:00:00Z", "to": "2026-12-01T10:00:00Z"}, "to"),
                          ({"action": "x" * 201}, "action")):
        refused = problem(api.get("/api/manage/audit", params=params, headers=staff), 422, "validation-error")
        assert [error["field"] for error in refused["errors"]] == [field], params

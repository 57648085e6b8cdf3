"""Customer self-service over HTTP: one's own profile and accounts, and the transfer preview."""

import pytest

from tests.api.test_customer_api import problem
from tests.helpers import deposit, make_admin, sign_in, sign_up, unique


@pytest.fixture
def staff(api, database_url) -> dict[str, str]:
    return {"Authorization": f"Bearer {sign_in(api, *make_admin(database_url))}"}


def audit_records(api, staff, target_id: str) -> list[dict]:
    return [record for record in api.get("/api/manage/audit", params={"limit": 200}, headers=staff).json()["items"]
            if record["target_id"] == target_id]


def test_a_customer_changes_their_own_name_email_and_country(api):
    customer = sign_up(api)
    email = unique() + "@example.com"
    changed = api.patch("/api/me", json={"full_name": "  New Name ", "email": email, "country": "fr"},
                        headers=customer.headers)
    assert changed.status_code == 200, changed.text
    assert {k: changed.json()[k] for k in ("full_name", "email", "country")} == {
        "full_name": "New Name", "email": email, "country": "FR"}
    assert api.get("/api/me", headers=customer.headers).json() == changed.json()


def test_a_profile_change_is_partial(api):
    customer = sign_up(api)
    before = api.get("/api/me", headers=customer.headers).json()
    changed = api.patch("/api/me", json={"country": "DE"}, headers=customer.headers).json()
    assert changed == {**before, "country": "DE"}


def test_an_email_change_is_audited_with_the_customer_as_actor_and_a_name_change_is_not(api, staff):
    customer = sign_up(api)
    old = api.get("/api/me", headers=customer.headers).json()["email"]
    api.patch("/api/me", json={"full_name": "Only The Name"}, headers=customer.headers)
    assert [r["action"] for r in audit_records(api, staff, customer.user_id)] == ["user.register"]
    new = unique() + "@example.com"
    assert api.patch("/api/me", json={"email": new}, headers=customer.headers).status_code == 200
    record, _ = audit_records(api, staff, customer.user_id)  # newest first
    assert (record["action"], record["actor_id"], record["actor_username"]) == (
        "user.email_change", customer.user_id, customer.username)
    assert record["changes"] == {"email": {"before": old, "after": new}}


def test_an_email_someone_else_uses_is_409_email_taken_at_the_field_and_changes_nothing(api):
    customer, other = sign_up(api), sign_up(api)
    taken = api.get("/api/me", headers=other.headers).json()["email"]
    before = api.get("/api/me", headers=customer.headers).json()
    refused = problem(api.patch("/api/me", json={"full_name": "X", "email": taken.upper()}, headers=customer.headers),
                      409, "email-taken")
    assert [error["field"] for error in refused["errors"]] == ["email"]
    assert api.get("/api/me", headers=customer.headers).json() == before


@pytest.mark.parametrize("body", [{}, {"role": "admin"}, {"active": False}, {"email": None}, {"email": "nope"},
                                  {"username": "renamed"}])
def test_nobody_changes_their_role_active_flag_or_username_or_sends_an_empty_or_bad_change(api, body):
    customer = sign_up(api)
    problem(api.patch("/api/me", json=body, headers=customer.headers), 422, "validation-error")
    me = api.get("/api/me", headers=customer.headers).json()
    assert (me["role"], me["active"], me["username"]) == ("user", True, customer.username)


def account_of(api, customer, number: str) -> dict:
    return api.get(f"/api/accounts/{number}", headers=customer.headers).json()


def test_a_customer_renames_their_own_account(api):
    customer = sign_up(api)
    renamed = api.patch(f"/api/accounts/{customer.account}", json={"name": " Bills "}, headers=customer.headers)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Bills" and renamed.json()["status"] == "active"
    assert account_of(api, customer, customer.account)["name"] == "Bills"


def test_a_customer_closes_their_own_empty_account_audited_and_it_receives_nothing_after(api, staff, database_url):
    customer, payer = sign_up(api), sign_up(api)
    deposit(database_url, payer.account, "5.00")
    closed = api.patch(f"/api/accounts/{customer.account}", json={"status": "closed"}, headers=customer.headers)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    [record] = audit_records(api, staff, customer.account)
    assert (record["action"], record["actor_id"]) == ("account.close", customer.user_id)
    assert record["changes"] == {"status": {"before": "active", "after": "closed"}}
    problem(api.post("/api/transfers", headers=payer.headers,
                     json={"from_account": payer.account, "to_account": customer.account, "amount": "1.00"}),
            409, "account-closed")


def test_an_account_holding_money_cannot_be_closed(api, database_url):
    customer = sign_up(api)
    deposit(database_url, customer.account, "0.01")
    problem(api.patch(f"/api/accounts/{customer.account}", json={"status": "closed"}, headers=customer.headers),
            409, "account-has-balance")
    assert account_of(api, customer, customer.account)["status"] == "active"


def test_another_customers_account_is_404_to_rename_or_close(api):
    owner, stranger = sign_up(api), sign_up(api)
    for body in ({"status": "closed"}, {"name": "Mine now"}):
        problem(api.patch(f"/api/accounts/{owner.account}", json=body, headers=stranger.headers),
                404, "account-not-found")
    assert account_of(api, owner, owner.account)["status"] == "active"
    problem(api.patch("/api/accounts/not-a-number", json={"name": "X"}, headers=owner.headers),
            404, "account-not-found")


def test_a_customer_cannot_reopen_or_rename_a_closed_account_nor_freeze_one(api):
    customer = sign_up(api)
    problem(api.patch(f"/api/accounts/{customer.account}", json={"status": "frozen"}, headers=customer.headers),
            422, "validation-error")
    api.patch(f"/api/accounts/{customer.account}", json={"status": "closed"}, headers=customer.headers)
    reopen = problem(api.patch(f"/api/accounts/{customer.account}", json={"status": "active"},
                               headers=customer.headers), 422, "validation-error")
    assert [error["field"] for error in reopen["errors"]] == ["status"]
    problem(api.patch(f"/api/accounts/{customer.account}", json={"name": "Again"}, headers=customer.headers),
            409, "account-closed")
    assert account_of(api, customer, customer.account)["status"] == "closed"


def test_a_frozen_account_is_the_banks_to_close(api, staff):
    customer = sign_up(api)
    api.patch(f"/api/manage/accounts/{customer.account}", json={"status": "frozen"}, headers=staff)
    problem(api.patch(f"/api/accounts/{customer.account}", json={"status": "closed"}, headers=customer.headers),
            409, "account-frozen")
    assert account_of(api, customer, customer.account)["status"] == "frozen"

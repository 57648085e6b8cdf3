"""Customer self-service over HTTP: one's own profile and accounts, and the transfer preview."""

import pytest

from tests.api.test_customer_api import problem
from tests.helpers import make_admin, sign_in, sign_up, unique


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
    assert audit_records(api, staff, customer.user_id) == []
    new = unique() + "@example.com"
    assert api.patch("/api/me", json={"email": new}, headers=customer.headers).status_code == 200
    [record] = audit_records(api, staff, customer.user_id)
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

"""Passkeys over HTTP against the real app, answered by a software authenticator
(tests/webauthn_authenticator.py) so py_webauthn's real checks run: registration, sign-in with a
passkey alone, single-use challenges, sign counters, ownership, the fresh-SCA rule, the
per-address limit on the anonymous routes."""

import psycopg
import pytest

from tests.api.test_customer_api import problem
from tests.api.test_sign_in_abuse import address, from_address
from tests.conftest import LocalHost
from tests.helpers import Customer, sign_up
from tests.webauthn_authenticator import SoftAuthenticator

ADDRESS_LIMIT = 5


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def register_passkey(api, customer: Customer, authenticator: SoftAuthenticator, name: str = "My phone",
                     headers: dict[str, str] | None = None):
    headers = headers or customer.headers
    options = api.post("/api/me/passkeys/options", headers=headers)
    assert options.status_code == 200, options.text
    body = options.json()
    credential = authenticator.register(body["passkey_options"])
    return api.post("/api/me/passkeys", headers=headers,
                    json={"challenge_id": body["challenge_id"], "name": name, "credential": credential})


def sign_in_options(api, headers: dict[str, str] | None = None) -> dict:
    options = api.post("/api/auth/passkey/options", headers=headers or {})
    assert options.status_code == 200, options.text
    return options.json()


def passkey_sign_in(api, authenticator: SoftAuthenticator, options: dict | None = None, **assertion):
    options = options or sign_in_options(api)
    credential = authenticator.assert_(options["passkey_options"], **assertion)
    return api.post("/api/auth/passkey", json={"challenge_id": options["challenge_id"], "credential": credential})


def customer_with_passkey(api) -> tuple[Customer, SoftAuthenticator]:
    customer, authenticator = sign_up(api), SoftAuthenticator()
    added = register_passkey(api, customer, authenticator)
    assert added.status_code == 201, added.text
    return customer, authenticator


def test_a_customer_registers_a_passkey_then_signs_in_with_it_alone_strongly_authenticated(api, sql):
    customer, authenticator = sign_up(api), SoftAuthenticator()
    options = api.post("/api/me/passkeys/options", headers=customer.headers).json()
    creation = options["passkey_options"]
    assert creation["rp"] == {"id": "localhost", "name": "IE Bank"}
    assert creation["authenticatorSelection"]["userVerification"] == "required"
    assert creation["authenticatorSelection"]["residentKey"] == "preferred"
    added = api.post("/api/me/passkeys", headers=customer.headers, json={
        "challenge_id": options["challenge_id"], "name": "Laptop", "credential": authenticator.register(creation)})
    assert added.status_code == 201, added.text
    assert added.json()["name"] == "Laptop" and added.json()["last_used_at"] is None

    request = sign_in_options(api)
    assert request["passkey_options"]["allowCredentials"] == []
    assert request["passkey_options"]["userVerification"] == "required"
    signed = passkey_sign_in(api, authenticator, request)
    assert signed.status_code == 200, signed.text
    assert signed.json()["user"]["username"] == customer.username
    assert "__Host-iebank-session=" in signed.headers["set-cookie"]
    row = sql.execute("SELECT strongly_authenticated_at FROM sessions WHERE id = %s",
                      (signed.json()["session"]["id"],)).fetchone()
    assert row is not None and row[0] is not None
    listed = api.get("/api/me/passkeys", headers=bearer(signed.json()["access_token"])).json()["items"]
    assert [(p["name"], p["last_used_at"] is not None) for p in listed] == [("Laptop", True)]
    # The next options exclude it, so the same authenticator is not registered twice.
    again = api.post("/api/me/passkeys/options", headers=bearer(signed.json()["access_token"]))
    assert [c["id"] for c in again.json()["passkey_options"]["excludeCredentials"]] == [
        authenticator.assert_(request["passkey_options"])["id"]]
    # The audit trail names the passkey, never its key material.
    audited = sql.execute("SELECT changes::text FROM audit_log WHERE action = 'passkey.add' AND target_id = %s",
                          (added.json()["id"],)).fetchone()
    assert audited is not None and "Laptop" in audited[0]
    assert "public_key" not in audited[0] and "credential" not in audited[0]


def test_a_replayed_assertion_and_a_reused_challenge_are_refused(api):
    _, authenticator = customer_with_passkey(api)
    options = sign_in_options(api)
    credential = authenticator.assert_(options["passkey_options"])
    body = {"challenge_id": options["challenge_id"], "credential": credential}
    assert api.post("/api/auth/passkey", json=body).status_code == 200
    problem(api.post("/api/auth/passkey", json=body), 401, "passkey-not-accepted")
    # A fresh assertion over the used challenge: refused too.
    problem(passkey_sign_in(api, authenticator, options), 401, "passkey-not-accepted")


def test_an_assertion_made_for_another_challenge_is_refused_and_uses_up_the_challenge(api):
    _, authenticator = customer_with_passkey(api)
    one, other = sign_in_options(api), sign_in_options(api)
    crossed = authenticator.assert_(one["passkey_options"])
    failed = api.post("/api/auth/passkey", json={"challenge_id": other["challenge_id"], "credential": crossed})
    body = problem(failed, 401, "passkey-not-accepted")
    assert "challenge" not in body["detail"].lower() and "signature" not in body["detail"].lower()
    problem(passkey_sign_in(api, authenticator, other), 401, "passkey-not-accepted")
    assert passkey_sign_in(api, authenticator, one).status_code == 200


def test_a_sign_counter_that_goes_backwards_is_refused_and_the_grown_one_is_stored(api):
    _, authenticator = customer_with_passkey(api)
    assert passkey_sign_in(api, authenticator, counter=7).status_code == 200
    problem(passkey_sign_in(api, authenticator, counter=7), 401, "passkey-not-accepted")
    problem(passkey_sign_in(api, authenticator, counter=3), 401, "passkey-not-accepted")
    assert passkey_sign_in(api, authenticator, counter=8).status_code == 200


def test_an_assertion_from_another_origin_or_without_user_verification_is_refused(api):
    _, authenticator = customer_with_passkey(api)
    problem(passkey_sign_in(api, authenticator, origin="https://evil.example"), 401, "passkey-not-accepted")
    authenticator.user_verified = False
    problem(passkey_sign_in(api, authenticator), 401, "passkey-not-accepted")


def test_another_customers_passkey_cannot_be_renamed_or_deleted(api):
    owner, _ = customer_with_passkey(api)
    stranger = sign_up(api)
    passkey = api.get("/api/me/passkeys", headers=owner.headers).json()["items"][0]
    problem(api.patch(f"/api/me/passkeys/{passkey['id']}", json={"name": "Mine now"}, headers=stranger.headers),
            404, "passkey-not-found")
    problem(api.delete(f"/api/me/passkeys/{passkey['id']}", headers=stranger.headers), 404, "passkey-not-found")
    problem(api.delete("/api/me/passkeys/not-an-id", headers=stranger.headers), 404, "passkey-not-found")
    assert api.get("/api/me/passkeys", headers=stranger.headers).json()["items"] == []
    assert api.get("/api/me/passkeys", headers=owner.headers).json()["items"] == [passkey]
    renamed = api.patch(f"/api/me/passkeys/{passkey['id']}", json={"name": "Work phone"}, headers=owner.headers)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Work phone"


def test_adding_a_passkey_needs_a_fresh_sca(api, sql):
    customer = sign_up(api)
    options = api.post("/api/me/passkeys/options", headers=customer.headers).json()
    # Signed in with a password ten minutes ago, no passkey yet: the sign-in is not recent enough.
    sql.execute("UPDATE sessions SET created_at = now() - interval '10 minutes' WHERE user_id = %s",
                (customer.user_id,))
    problem(api.post("/api/me/passkeys/options", headers=customer.headers), 403, "sca-required")
    late = api.post("/api/me/passkeys", headers=customer.headers, json={
        "challenge_id": options["challenge_id"], "name": "Late",
        "credential": SoftAuthenticator().register(options["passkey_options"])})
    problem(late, 403, "sca-required")
    assert api.get("/api/me/passkeys", headers=customer.headers).json()["items"] == []


def test_a_customer_holding_a_passkey_adds_or_removes_one_only_after_using_a_passkey(api, sql):
    customer, authenticator = customer_with_passkey(api)
    # Registering the passkey (user verification required) proved the session; an hour on, it is stale.
    sql.execute("UPDATE sessions SET strongly_authenticated_at = now() - interval '1 hour'"
                " WHERE user_id = %s AND strongly_authenticated_at IS NOT NULL", (customer.user_id,))
    problem(api.post("/api/me/passkeys/options", headers=customer.headers), 403, "sca-required")
    passkey = api.get("/api/me/passkeys", headers=customer.headers).json()["items"][0]
    problem(api.delete(f"/api/me/passkeys/{passkey['id']}", headers=customer.headers), 403, "sca-required")
    strong = passkey_sign_in(api, authenticator)
    assert strong.status_code == 200
    headers = bearer(strong.json()["access_token"])
    assert register_passkey(api, customer, SoftAuthenticator(), "Key", headers=headers).status_code == 201
    assert api.delete(f"/api/me/passkeys/{passkey['id']}", headers=headers).status_code == 204
    assert [p["name"] for p in api.get("/api/me/passkeys", headers=headers).json()["items"]] == ["Key"]
    problem(passkey_sign_in(api, authenticator), 401, "passkey-not-accepted")


def test_adding_a_passkey_signs_the_customer_out_everywhere_else(api):
    customer = sign_up(api)
    elsewhere = api.post("/api/auth/login", json={"username": customer.username, "password": "Sup3r-secret-pw"})
    assert elsewhere.status_code == 200
    assert register_passkey(api, customer, SoftAuthenticator()).status_code == 201
    assert api.get("/api/me", headers=bearer(elsewhere.json()["access_token"])).status_code == 401
    assert api.get("/api/me", headers=customer.headers).status_code == 200


def test_a_registration_answer_for_another_challenge_is_refused_and_the_challenge_used_up(api):
    customer, authenticator = sign_up(api), SoftAuthenticator()
    one = api.post("/api/me/passkeys/options", headers=customer.headers).json()
    other = api.post("/api/me/passkeys/options", headers=customer.headers).json()
    crossed = api.post("/api/me/passkeys", headers=customer.headers, json={
        "challenge_id": other["challenge_id"], "name": "X", "credential": authenticator.register(one["passkey_options"])})
    problem(crossed, 422, "validation-error")
    reused = api.post("/api/me/passkeys", headers=customer.headers, json={
        "challenge_id": other["challenge_id"], "name": "X", "credential": authenticator.register(other["passkey_options"])})
    body = problem(reused, 422, "validation-error")
    assert body["errors"][0]["field"] == "challenge_id"
    # Another customer cannot answer someone's registration challenge either.
    thief = sign_up(api)
    stolen = api.post("/api/me/passkeys", headers=thief.headers, json={
        "challenge_id": one["challenge_id"], "name": "X", "credential": authenticator.register(one["passkey_options"])})
    problem(stolen, 422, "validation-error")


def test_a_deactivated_customers_passkey_gets_403_like_a_password_sign_in(api, sql):
    customer, authenticator = customer_with_passkey(api)
    sql.execute("UPDATE users SET active = false WHERE id = %s", (customer.user_id,))
    problem(passkey_sign_in(api, authenticator), 403, "sign-in-disabled")


@pytest.fixture(scope="module")
def strict_host(database_url, tmp_path_factory):
    host = LocalHost(database_url, tmp_path_factory.mktemp("strict-passkeys") / "host.log",
                     AUTH_ADDRESS_LIMIT_PER_MINUTE=str(ADDRESS_LIMIT)).start()
    yield host
    host.stop()


def test_anonymous_passkey_options_and_sign_ins_count_against_the_address_limit(strict_host):
    import httpx

    flooder, bystander = address(), address()
    with httpx.Client(base_url=strict_host.base_url, timeout=30) as api:
        answers = [api.post("/api/auth/passkey/options", headers=from_address(flooder)).status_code
                   for _ in range(ADDRESS_LIMIT)]
        assert answers == [200] * ADDRESS_LIMIT
        problem(api.post("/api/auth/passkey/options", headers=from_address(flooder)), 429, "too-many-requests")
        attempt = {"challenge_id": "00000000-0000-0000-0000-000000000000", "credential": {}}
        problem(api.post("/api/auth/passkey", json=attempt, headers=from_address(flooder)), 429, "too-many-requests")
        # Sign-in attempts alone reach it too, from another address; a bystander is not held up.
        prober = address()
        tries = [api.post("/api/auth/passkey", json=attempt, headers=from_address(prober)).status_code
                 for _ in range(ADDRESS_LIMIT + 1)]
        assert tries == [401] * ADDRESS_LIMIT + [429]
        assert api.post("/api/auth/passkey/options", headers=from_address(bystander)).status_code == 200


def test_the_runtime_role_may_not_rewrite_a_passkeys_key(database_url):
    with psycopg.connect(database_url) as conn:
        grants = {row[0] for row in conn.execute(
            "SELECT column_name FROM information_schema.column_privileges WHERE table_name = 'passkeys'"
            " AND grantee = 'iebank_runtime' AND privilege_type = 'UPDATE'")}
    assert grants == {"name", "sign_count", "last_used_at"}

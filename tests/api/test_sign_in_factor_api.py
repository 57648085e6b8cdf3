"""The sign-in's second step and the enrolment gate (issue 17): a user holding a second factor gets
no session for a password alone; staff without one, and customers when the bank requires it, are
sent to enrol before anything else answers; SCA_MODE=off lifts it all."""

import time
import uuid

import httpx
import pytest

from tests.conftest import LocalHost
from tests.helpers import (
    PASSWORD,
    authenticator_for,
    enrol_totp,
    make_admin,
    send_idempotency_key,
    sign_in,
    sign_up,
)


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return str(response.json()["type"]).rsplit("/", 1)[-1]


def password_step(api: httpx.Client, username: str) -> httpx.Response:
    return api.post("/api/auth/login", json={"username": username, "password": PASSWORD})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_password_alone_gives_no_session_to_a_holder_of_an_authenticator_app(api):
    customer = sign_up(api)
    totp, _ = enrol_totp(api, customer.headers)
    first = password_step(api, customer.username)
    assert first.status_code == 200
    body = first.json()
    assert body["status"] == "factor_required" and set(body["methods"]) == {"totp", "recovery_code"}
    assert "access_token" not in body and "set-cookie" not in first.headers
    wrong = "000000" if totp.now() != "000000" else "111111"
    refused = api.post("/api/auth/login/factor", json={"challenge_id": body["challenge_id"], "method": "totp",
                                                       "code": wrong})
    assert refused.status_code == 401 and problem_type(refused) == "second-factor-rejected"
    assert "4 attempts left" in refused.json()["detail"] and "code" not in refused.json()["detail"].lower()
    signed = api.post("/api/auth/login/factor", json={"challenge_id": body["challenge_id"], "method": "totp",
                                                      "code": totp.at(time.time() + 30)})
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "signed_in" and "set-cookie" in signed.headers
    headers = bearer(signed.json()["access_token"])
    # The session is strongly authenticated: a factor change needs no step-up now.
    assert api.post("/api/me/recovery-codes", headers=headers).status_code == 200
    # The challenge is used up.
    again = api.post("/api/auth/login/factor", json={"challenge_id": body["challenge_id"], "method": "totp",
                                                     "code": totp.now()})
    assert again.status_code == 401


def test_a_passkey_answers_the_factor_step_with_the_options_the_first_step_gave(api, database_url):
    username, _ = make_admin(database_url)
    first = password_step(api, username).json()
    assert first["status"] == "factor_required" and first["methods"] == ["passkey"]
    assert first["passkey_options"]["allowCredentials"], first
    credential = authenticator_for(username).assert_(first["passkey_options"])
    signed = api.post("/api/auth/login/factor", json={"challenge_id": first["challenge_id"], "method": "passkey",
                                                      "credential": credential})
    assert signed.status_code == 200, signed.text
    assert api.get("/api/manage/users", headers=bearer(signed.json()["access_token"])).status_code == 200


def test_guessed_challenge_ids_count_against_nobody(api):
    customer = sign_up(api)
    totp, _ = enrol_totp(api, customer.headers)
    for _ in range(6):
        guessed = api.post("/api/auth/login/factor", json={"challenge_id": str(uuid.uuid4()), "method": "totp",
                                                           "code": totp.now()})
        assert guessed.status_code == 401 and problem_type(guessed) == "second-factor-rejected"
    first = password_step(api, customer.username).json()
    signed = api.post("/api/auth/login/factor", json={"challenge_id": first["challenge_id"], "method": "totp",
                                                      "code": totp.at(time.time() + 30)})
    assert signed.status_code == 200, signed.text


def test_another_users_step_up_challenge_counts_nothing_against_its_holder(api):
    victim, stranger = sign_up(api), sign_up(api)
    totp, _ = enrol_totp(api, victim.headers)
    challenge = api.post("/api/auth/step-up", headers=victim.headers).json()["challenge_id"]
    enrol_totp(api, stranger.headers)
    for _ in range(5):
        crossed = api.post("/api/auth/step-up/confirm", headers=stranger.headers,
                           json={"challenge_id": challenge, "method": "totp", "code": "123456"})
        assert crossed.status_code == 401
    mine = api.post("/api/auth/step-up/confirm", headers=victim.headers,
                    json={"challenge_id": challenge, "method": "totp", "code": totp.at(time.time() + 30)})
    assert mine.status_code == 204, mine.text


def test_a_user_deactivated_between_the_two_steps_gets_no_session(api, sql):
    customer = sign_up(api)
    totp, _ = enrol_totp(api, customer.headers)
    first = password_step(api, customer.username).json()
    sql.execute("UPDATE users SET active = false WHERE id = %s", (customer.user_id,))
    refused = api.post("/api/auth/login/factor", json={"challenge_id": first["challenge_id"], "method": "totp",
                                                       "code": totp.at(time.time() + 30)})
    assert refused.status_code == 403 and problem_type(refused) == "sign-in-disabled"


def test_an_admin_without_a_second_factor_is_sent_to_enrol_before_the_back_office_answers(api, database_url, sql):
    username, _ = make_admin(database_url, with_factor=False)
    flag = sql.execute("SELECT second_factor_required FROM users WHERE username = %s", (username,)).fetchone()
    assert flag == (True,)  # ops create-admin sets it
    signed = password_step(api, username)
    assert signed.status_code == 200 and signed.json()["factor_enrolment_required"] is True
    headers = bearer(signed.json()["access_token"])
    for method, path in (("GET", "/api/manage/users"), ("GET", "/api/accounts"), ("GET", "/api/me/sessions")):
        gated = api.request(method, path, headers=headers)
        assert gated.status_code == 403 and problem_type(gated) == "factor-enrolment-required", gated.text
    assert api.get("/api/auth/session", headers=headers).json()["factor_enrolment_required"] is True
    assert api.get("/api/me/factors", headers=headers).status_code == 200
    enrol_totp(api, headers)
    # Confirming the first factor proved this session: the back office answers without signing in again.
    assert api.get("/api/manage/users", headers=headers).status_code == 200
    assert api.get("/api/auth/session", headers=headers).json()["factor_enrolment_required"] is False
    # And the last factor of a staff member cannot be removed.
    removed = api.delete("/api/me/totp", headers=headers)
    assert removed.status_code == 409 and problem_type(removed) == "last-second-factor"


@pytest.fixture(scope="module")
def host_factory(database_url, tmp_path_factory):
    hosts: list[LocalHost] = []

    def start(**env: str) -> httpx.Client:
        host = LocalHost(database_url, tmp_path_factory.mktemp("sca-host") / "host.log", **env).start()
        hosts.append(host)
        return httpx.Client(base_url=host.base_url, timeout=30, event_hooks={"request": [send_idempotency_key]})

    yield start
    for host in hosts:
        host.stop()


def test_customers_are_sent_to_enrol_when_the_bank_requires_it_even_before_a_transfer(host_factory):
    with host_factory(SCA_REQUIRED_FOR_CUSTOMERS="true") as api:
        customer = sign_up(api)
        other = sign_up(api)
        for method, path, body in (("GET", "/api/accounts", None),
                                   ("POST", "/api/transfers", {"from_account": customer.account,
                                                               "to_account": other.account, "amount": "1.00"})):
            gated = api.request(method, path, headers=customer.headers, json=body)
            assert gated.status_code == 403 and problem_type(gated) == "factor-enrolment-required", gated.text
        enrol_totp(api, customer.headers)
        assert api.get("/api/accounts", headers=customer.headers).status_code == 200


def test_sca_mode_off_lifts_the_factor_step_and_the_gate(host_factory, database_url):
    with host_factory(SCA_MODE="off") as api:
        customer = sign_up(api)
        enrol_totp(api, customer.headers)
        signed = password_step(api, customer.username)
        assert signed.json()["status"] == "signed_in"
        username, _ = make_admin(database_url, with_factor=False)
        assert api.get("/api/manage/users", headers=bearer(sign_in(api, username, PASSWORD))).status_code == 200

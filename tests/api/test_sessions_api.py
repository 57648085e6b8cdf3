"""Sessions over HTTP, as a browser and a script hold them: the cookie with its CSRF header, the
short access token, sign-out that ends both on the server, the idle limit, and the list of one's
sessions with sign-out of one or all (issue 15)."""

import time

import httpx
import pytest

from tests.conftest import LocalHost
from tests.helpers import PASSWORD, deposit, make_admin, register_body, sign_in, sign_up

BROWSER = {"X-Requested-With": "iebank"}


def login(api: httpx.Client, username: str, password: str = PASSWORD, agent: str = "pytest") -> httpx.Response:
    response = api.post("/api/auth/login", json={"username": username, "password": password},
                        headers={"User-Agent": agent})
    assert response.status_code == 200, response.text
    return response


def cookie_of(response: httpx.Response) -> str:
    """The session cookie as a browser would send it back (httpx keeps Secure cookies for https only)."""
    set_cookie = response.headers["set-cookie"]
    return set_cookie.split(";", 1)[0]


def as_browser(cookie: str) -> dict[str, str]:
    return {"Cookie": cookie, **BROWSER}


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return str(response.json()["type"]).rsplit("/", 1)[-1]


def test_login_sets_a_host_only_httponly_strict_cookie_and_answers_the_session(api):
    customer = sign_up(api)
    response = login(api, customer.username)
    attributes = [part.strip() for part in response.headers["set-cookie"].split(";")]
    name, _, value = attributes[0].partition("=")
    assert name == "__Host-iebank-session"
    assert {"Path=/", "Secure", "HttpOnly", "SameSite=Strict"} <= set(attributes)
    assert not any(a.lower().startswith(("domain=", "max-age=", "expires=")) for a in attributes)
    body = response.json()
    assert set(body["session"]) >= {"id", "expires_at", "idle_expires_at", "idle_seconds"}
    # What a browser counts down on its own clock: the configured idle limit (300 s by default).
    assert body["session"]["idle_seconds"] == 300
    assert body["token_type"] == "Bearer" and 0 < body["expires_in"] <= 300
    assert body["password_change_required"] is False
    # The cookie is opaque: it names the session and carries a secret, and is not the token.
    assert value.startswith(body["session"]["id"] + ".") and body["access_token"] not in value


def test_the_cookie_alone_authenticates_a_browser_and_needs_the_csrf_header(api):
    customer = sign_up(api)
    cookie = cookie_of(login(api, customer.username))
    assert api.get("/api/me", headers=as_browser(cookie)).json()["username"] == customer.username
    # A cross-site form can carry neither the header nor (SameSite) the cookie: without the header, 403.
    refused = api.get("/api/me", headers={"Cookie": cookie})
    assert refused.status_code == 403 and problem_type(refused) == "csrf-header-missing"
    refused = api.post("/api/accounts", headers={"Cookie": cookie, "X-Requested-With": "XMLHttpRequest"},
                       json={"name": "Forged", "currency": "EUR"})
    assert refused.status_code == 403 and problem_type(refused) == "csrf-header-missing"
    assert len(api.get("/api/accounts", headers=as_browser(cookie)).json()) == 1  # nothing was opened


def test_a_tampered_cookie_secret_is_401(api):
    customer = sign_up(api)
    cookie = cookie_of(login(api, customer.username))
    tampered = cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")
    assert api.get("/api/me", headers=as_browser(tampered)).status_code == 401
    assert api.get("/api/me", headers=as_browser(cookie)).status_code == 200


def test_logout_ends_the_session_on_the_server_for_its_cookie_and_its_tokens(api, database_url):
    customer = sign_up(api)
    deposit(database_url, customer.account, "5.00")
    other = sign_up(api)
    signed_in = login(api, customer.username)
    cookie, token = cookie_of(signed_in), signed_in.json()["access_token"]
    out = api.post("/api/auth/logout", headers=as_browser(cookie))
    assert out.status_code == 204 and "Max-Age=0" in out.headers["set-cookie"]
    # The old cookie, replayed, and the token of the same session are dead at once.
    assert api.get("/api/me", headers=as_browser(cookie)).status_code == 401
    assert api.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    # post_transfer checks the session in its own statement: refused, nothing moved.
    sent = api.post("/api/transfers", headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k-logout"},
                    json={"from_account": customer.account, "to_account": other.account, "amount": "1.00"})
    assert sent.status_code == 401
    assert api.get(f"/api/accounts/{customer.account}", headers=customer.headers).json()["balance"] == "5.00"
    # Signing out again, or with nothing, is not an error.
    assert api.post("/api/auth/logout", headers=as_browser(cookie)).status_code == 204
    assert api.post("/api/auth/logout").status_code == 204


def test_logout_with_a_cookie_but_no_csrf_header_ends_nothing(api):
    customer = sign_up(api)
    cookie = cookie_of(login(api, customer.username))
    assert api.post("/api/auth/logout", headers={"Cookie": cookie}).status_code == 403
    assert api.get("/api/me", headers=as_browser(cookie)).status_code == 200


def test_the_list_of_sessions_marks_the_current_one_and_one_can_be_revoked(api):
    customer = sign_up(api)  # its own sign-in is a session too
    laptop = login(api, customer.username, agent="Laptop browser")
    phone = login(api, customer.username, agent="Phone browser")
    laptop_cookie = cookie_of(laptop)
    listed = api.get("/api/me/sessions", headers=as_browser(laptop_cookie))
    assert listed.status_code == 200
    items = {item["id"]: item for item in listed.json()["items"]}
    assert len(items) == 3
    assert items[laptop.json()["session"]["id"]]["current"] is True
    assert items[phone.json()["session"]["id"]]["current"] is False
    assert items[phone.json()["session"]["id"]]["user_agent"] == "Phone browser"
    assert {"created_at", "last_used_at"} <= set(items[phone.json()["session"]["id"]])

    revoked = api.delete(f"/api/me/sessions/{phone.json()['session']['id']}", headers=as_browser(laptop_cookie))
    assert revoked.status_code == 204
    assert api.get("/api/me", headers=as_browser(cookie_of(phone))).status_code == 401
    assert api.get("/api/me", headers=as_browser(laptop_cookie)).status_code == 200
    assert len(api.get("/api/me/sessions", headers=as_browser(laptop_cookie)).json()["items"]) == 2


def test_no_one_can_revoke_or_see_another_customers_session(api):
    victim, stranger = sign_up(api), sign_up(api)
    victim_session = login(api, victim.username)
    session_id = victim_session.json()["session"]["id"]
    assert api.delete(f"/api/me/sessions/{session_id}", headers=stranger.headers).status_code == 404
    assert session_id not in api.get("/api/me/sessions", headers=stranger.headers).text
    assert api.get("/api/me", headers=as_browser(cookie_of(victim_session))).status_code == 200


def test_sign_out_everywhere_else_keeps_only_the_current_session(api):
    customer = sign_up(api)
    others = [login(api, customer.username) for _ in range(2)]
    here = login(api, customer.username)
    answer = api.post("/api/me/sessions/revoke-all", headers=as_browser(cookie_of(here)))
    assert answer.status_code == 200 and answer.json()["revoked"] == 3  # two here plus sign_up's
    for other in others:
        assert api.get("/api/me", headers={"Authorization": f"Bearer {other.json()['access_token']}"}).status_code == 401
    assert api.get("/api/me", headers=as_browser(cookie_of(here))).status_code == 200
    assert [item["current"] for item in api.get("/api/me/sessions", headers=as_browser(cookie_of(here))).json()[
        "items"]] == [True]


def test_a_fresh_access_token_names_the_same_session_and_dies_with_it(api):
    customer = sign_up(api)
    signed_in = login(api, customer.username)
    cookie = cookie_of(signed_in)
    fresh = api.post("/api/auth/token", headers=as_browser(cookie))
    assert fresh.status_code == 200 and fresh.json()["expires_in"] <= 300
    token = fresh.json()["access_token"]
    assert api.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    api.post("/api/auth/logout", headers=as_browser(cookie))
    assert api.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_deactivated_customer_stays_signed_out_after_reactivation(api, database_url):
    customer = sign_up(api)
    cookie = cookie_of(login(api, customer.username))
    staff = {"Authorization": f"Bearer {sign_in(api, *make_admin(database_url))}"}
    assert api.patch(f"/api/manage/users/{customer.user_id}", json={"active": False}, headers=staff).status_code == 200
    assert api.get("/api/me", headers=as_browser(cookie)).status_code == 401
    assert api.patch(f"/api/manage/users/{customer.user_id}", json={"active": True}, headers=staff).status_code == 200
    # Revoked, not merely refused while inactive: neither the old cookie nor the old token returns.
    assert api.get("/api/me", headers=as_browser(cookie)).status_code == 401
    assert api.get("/api/me", headers=customer.headers).status_code == 401
    assert login(api, customer.username).status_code == 200


@pytest.fixture(scope="module")
def quick_idle_host(database_url, tmp_path_factory):
    host = LocalHost(database_url, tmp_path_factory.mktemp("idle") / "host.log", SESSION_IDLE_SECONDS="2").start()
    yield host
    host.stop()


def test_a_session_unused_past_the_idle_limit_is_dead_for_cookie_and_token(quick_idle_host):
    with httpx.Client(base_url=quick_idle_host.base_url, timeout=30) as api:
        customer = sign_up(api)
        signed_in = login(api, customer.username)
        cookie, token = cookie_of(signed_in), signed_in.json()["access_token"]
        # Activity keeps it alive past its first idle limit...
        for _ in range(4):
            time.sleep(0.8)
            assert api.get("/api/auth/session", headers=as_browser(cookie)).status_code == 200
        # ...and rest ends it, for both ways in.
        time.sleep(2.5)
        assert api.get("/api/me", headers=as_browser(cookie)).status_code == 401
        assert api.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_register_then_sign_in_as_a_browser_makes_a_session_cookie(api):
    body = register_body()
    assert api.post("/api/auth/register", json=body).status_code == 201
    assert login(api, body["username"]).headers["set-cookie"].startswith("__Host-iebank-session=")


def test_the_current_session_answer_moves_the_idle_deadline_but_never_the_end(quick_idle_host):
    api = httpx.Client(base_url=quick_idle_host.base_url, timeout=30)
    customer = sign_up(api)
    cookie = cookie_of(login(api, customer.username))
    first = api.get("/api/auth/session", headers=as_browser(cookie)).json()
    assert first["user"]["username"] == customer.username and first["password_change_required"] is False
    time.sleep(1.1)
    second = api.get("/api/auth/session", headers=as_browser(cookie)).json()
    assert second["session"]["idle_expires_at"] > first["session"]["idle_expires_at"]
    assert second["session"]["expires_at"] == first["session"]["expires_at"]  # activity never extends the end
    assert api.get("/api/auth/session").status_code == 401

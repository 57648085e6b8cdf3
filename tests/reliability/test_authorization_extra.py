"""Authorization cases the route matrix (tests/api/test_authorization_matrix.py) does not cover:
tokens of staff that are expired or whose role changed, a customer's token claiming the admin
role, histories that mix in nobody else's money, and login throttling shared by two host
processes over one database."""

import time
import uuid

import httpx
import jwt
import pytest

from shared.tokens import key_id
from tests.api.test_authorization_matrix import PROTECTED
from tests.conftest import TEST_SIGNING_KEY, LocalHost
from tests.helpers import PASSWORD, deposit, make_admin, sign_in, sign_up
from tests.reliability import figures

CASES: dict[str, bool] = {}
STAFF_ROUTES = [("GET", "/api/manage/users"), ("GET", "/api/manage/audit"),
                ("POST", "/api/manage/users")]
# A valid body: the body is validated before the token is checked (422 would hide the answer).
BODY = {"username": "authz_extra", "password": "Matrix-pass-1", "full_name": "Authz", "email": "authz@example.com",
        "country": "IE"}


def signed(user_id: str, role: str, expires_in: int, session_id: str | None = None) -> str:
    now = int(time.time())
    claims = {"iss": "iebank", "aud": "iebank-api", "sub": user_id, "role": role, "iat": now - 600,
              "exp": now + expires_in, "sid": session_id or str(uuid.uuid4())}
    return jwt.encode(claims, TEST_SIGNING_KEY, "HS256", headers={"kid": key_id(TEST_SIGNING_KEY)})


@pytest.fixture(scope="module", autouse=True)
def publish():
    started = time.monotonic()
    yield
    matrix = len(PROTECTED) * 7 + 2 * sum(1 for _, route in PROTECTED if route.startswith("manage/"))
    figures.record("authorization", "Authorization", {
        "route matrix cases (tests/api/test_authorization_matrix.py)": matrix,
        "further cases (this suite)": len(CASES),
        "suite time (s)": round(time.monotonic() - started, 1),
    }, CASES)


def admin_id(database_url: str, username: str, sql) -> str:
    return str(sql.execute("SELECT id FROM users WHERE username = %s", (username,)).fetchone()[0])


@pytest.mark.parametrize(("method", "path"), STAFF_ROUTES)
def test_an_admins_expired_token_is_401_on_staff_routes(api, database_url, sql, method, path):
    username, _ = make_admin(database_url)
    token = signed(admin_id(database_url, username, sql), "admin", expires_in=-1)
    status = api.request(method, path, headers={"Authorization": f"Bearer {token}"},
                         json=BODY if method == "POST" else None).status_code
    CASES[f"admin's expired token on {method} {path} is 401"] = status == 401
    assert status == 401


@pytest.mark.parametrize(("method", "path"), STAFF_ROUTES)
def test_a_customer_token_claiming_the_admin_role_is_still_a_customer(api, method, path):
    # Even with the signing key, the role comes from the database, not from the token.
    customer = sign_up(api)
    live_session = jwt.decode(customer.token, options={"verify_signature": False})["sid"]
    token = signed(customer.user_id, "admin", expires_in=300, session_id=live_session)
    status = api.request(method, path, headers={"Authorization": f"Bearer {token}"},
                         json=BODY if method == "POST" else None).status_code
    CASES[f"customer token with role=admin on {method} {path} is 403"] = status == 403
    assert status == 403


def test_a_demoted_admin_loses_the_back_office_with_the_token_they_hold(api, database_url):
    boss = {"Authorization": f"Bearer {sign_in(api, *make_admin(database_url))}"}
    username, password = make_admin(database_url)
    demoted = {"Authorization": f"Bearer {sign_in(api, username, password)}"}
    assert api.get("/api/manage/users", headers=demoted).status_code == 200
    target = api.get("/api/manage/users", params={"q": username}, headers=boss).json()["items"][0]["id"]
    assert api.patch(f"/api/manage/users/{target}", json={"role": "user"}, headers=boss).status_code == 200
    status = api.get("/api/manage/users", headers=demoted).status_code
    CASES["demoted admin's token on the back office is 403 at once"] = status == 403
    assert status == 403


def test_a_customers_history_never_shows_another_customers_transfers(api, database_url):
    a, b, c = sign_up(api), sign_up(api), sign_up(api)
    deposit(database_url, b.account, "20.00")
    moved = api.post("/api/transfers", headers={**b.headers, "Idempotency-Key": "b-to-c"},
                     json={"from_account": b.account, "to_account": c.account, "amount": "7.00"})
    assert moved.status_code == 201
    seen_by_a = [api.get("/api/transactions", headers=a.headers).json(),
                 api.get("/api/transactions", params={"account": b.account}, headers=a.headers).json(),
                 api.get("/api/transactions", params={"account": c.account}, headers=a.headers).json()]
    replay_by_a = api.post("/api/transfers", headers={**a.headers, "Idempotency-Key": "b-to-c"},
                           json={"from_account": b.account, "to_account": c.account, "amount": "7.00"})
    ok = all(page["items"] == [] for page in seen_by_a) and moved.json()["id"] not in replay_by_a.text
    CASES["A's history (all, B's account, C's account) shows none of B's transfer to C"] = ok
    CASES["A replaying B's Idempotency-Key gets nothing of B's transfer"] = replay_by_a.status_code == 404
    assert ok and replay_by_a.status_code == 404


def test_login_throttling_holds_across_two_host_processes_sharing_the_database(
        api, local_host, database_url, tmp_path):
    victim = sign_up(api)
    other = LocalHost(database_url, tmp_path / "second-host.log").start()
    try:
        with httpx.Client(base_url=other.base_url, timeout=30) as second:
            hosts = [api, second]
            for attempt in range(5):  # the limit (LOGIN_MAX_FAILURES default 5), spread over both
                wrong = hosts[attempt % 2].post("/api/auth/login", json={"username": victim.username,
                                                                        "password": "wrong-password-1"})
                assert wrong.status_code == 401, wrong.text
            locked = [host.post("/api/auth/login", json={"username": victim.username, "password": PASSWORD})
                      for host in hosts]
    finally:
        other.stop()
    ok = all(r.status_code == 429 and int(r.headers["retry-after"]) > 0 for r in locked)
    CASES["5 failed logins spread over two hosts lock the username on both (429, Retry-After)"] = ok
    assert ok, [(r.status_code, r.text) for r in locked]

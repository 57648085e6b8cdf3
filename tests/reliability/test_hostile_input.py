"""Hand-written hostile requests over HTTP through the local host: each gets a clear 4xx
problem+json, and the database is exactly as it was (row counts, balances, login throttle)."""

import http.client
import json
import time
from urllib.parse import urlsplit

import httpx
import pytest

from tests.helpers import deposit, make_admin, sign_in, sign_up
from tests.reliability import figures

LONG = "A" * 10_000
TABLES = ("users", "accounts", "transfers", "entries", "idempotency_keys", "audit_log", "login_throttle",
          "auth_throttle")
RESULTS: dict[str, int] = {}


@pytest.fixture(scope="module")
def world(local_host, database_url):
    with httpx.Client(base_url=local_host.base_url, timeout=30) as api:
        alice, bob = sign_up(api), sign_up(api)
        deposit(database_url, alice.account, "100.00")
        admin = {"Authorization": f"Bearer {sign_in(api, *make_admin(database_url))}"}
    started = time.monotonic()
    yield {"alice": alice, "bob": bob, "admin": admin, "customer": alice.headers}
    figures.record("hostile-input", "Hand-written hostile requests", {
        "requests": sum(RESULTS.values()),
        "answers by status": dict(sorted(RESULTS.items())),
        "suite time (s)": round(time.monotonic() - started, 1),
    }, {"every hostile request got a 4xx problem+json": all(s.startswith("4") for s in RESULTS),
        "no hostile request changed the database": True})  # a change fails the test first


def snapshot(sql) -> tuple:
    counts = tuple(sql.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES)
    balances = tuple(sql.execute("SELECT number, balance, status, name FROM accounts ORDER BY id").fetchall())
    users = tuple(sql.execute("SELECT id, full_name, email, country, role, active FROM users ORDER BY id").fetchall())
    throttle = sql.execute("SELECT (SELECT coalesce(sum(attempts), 0) FROM login_throttle),"
                           " (SELECT coalesce(sum(attempts), 0) FROM auth_throttle)").fetchone()
    return counts, balances, users, throttle


def assert_refused(status: int, content_type: str, body: bytes, expected: tuple[int, ...]) -> None:
    RESULTS[str(status)] = RESULTS.get(str(status), 0) + 1
    assert status in expected, (status, body[:300])
    assert content_type.startswith("application/problem+json"), content_type
    problem = json.loads(body)
    assert problem["status"] == status and problem["type"].startswith("https://iebank.example/problems/")
    assert "Traceback" not in body.decode(errors="replace")


def transfer(w):
    return {"from_account": w["alice"].account, "to_account": w["bob"].account, "amount": "1.00", "description": "x"}


# Each writing operation, with a valid body and who may call it.
BODIES = {
    ("POST", "/api/auth/register", None): lambda w: {
        "username": "hostile_user", "password": "Sup3r-secret-pw", "password_confirmation": "Sup3r-secret-pw",
        "full_name": "Hostile", "email": "hostile@example.com", "country": "IE"},
    ("POST", "/api/auth/login", None): lambda w: {"username": w["alice"].username, "password": "Sup3r-secret-pw"},
    ("POST", "/api/accounts", "customer"): lambda w: {"name": "Hostile", "currency": "EUR"},
    ("POST", "/api/transfers", "customer"): transfer,
    ("POST", "/api/manage/users", "admin"): lambda w: {
        "username": "hostile_staff", "password": "Sup3r-secret-pw", "full_name": "Hostile",
        "email": "hs@example.com", "country": "IE"},
    ("PATCH", "/api/manage/users/{bob}", "admin"): lambda w: {"full_name": "B", "email": "b@example.com",
                                                              "country": "IE"},
    ("PATCH", "/api/manage/accounts/{bob_account}", "admin"): lambda w: {"name": "B", "country": "IE",
                                                                         "status": "active"},
    ("POST", "/api/manage/accounts/{alice_account}/deposits", "admin"): lambda w: {"amount": "1.00",
                                                                                   "description": "x"},
}


def url(path: str, w) -> str:
    return path.format(bob=w["bob"].user_id, bob_account=w["bob"].account, alice_account=w["alice"].account)


def string_field_cases():
    """NUL bytes and very long strings in every string field of every body."""
    cases = []
    for (method, path, who), make in BODIES.items():
        for field in make(_Stub()):
            for label, spoil in (("NUL", lambda v: v[:1] + "\x00" + v[1:]), ("10k chars", lambda v: LONG)):
                cases.append(pytest.param(method, path, who, field, spoil, id=f"{method} {path} {field} {label}"))
    return cases


class _Stub:  # enough of the world to list the fields at collection time
    def __getitem__(self, name):
        return type("C", (), {"account": "IE00IEBK00000000000000", "username": "u", "user_id": "x"})()


@pytest.mark.parametrize(("method", "path", "who", "field", "spoil"), string_field_cases())
def test_nul_bytes_and_very_long_strings_in_every_string_field_are_refused(
        api, world, sql, method, path, who, field, spoil):
    body = BODIES[(method, path, who)](world)
    body[field] = spoil(str(body[field]))
    before = snapshot(sql)
    response = api.request(method, url(path, world), json=body, headers=world.get(who) or {})
    # Login: a name or password with a NUL is simply not valid (422); a long one too.
    assert_refused(response.status_code, response.headers["content-type"], response.content, (400, 401, 422))
    assert snapshot(sql) == before


def bad_amounts():
    raw = ['-1', '0', '"0.00"', '"-5.00"', 'NaN', 'Infinity', '-Infinity', '"NaN"', '"Infinity"', '1e309',
           '"1e309"', '1.001', '"1.001"', '"1; DROP TABLE accounts"', '""', '" "', 'true', 'null', '[]', '{}',
           '"١٢"', '"1,000.00"', '"0x10"', '1000000000.01', '"99999999999999999999999999"',
           # Rounded to 0.01, and flushed to 0 then a 500 from the CHECK, before amounts were read exactly.
           '"0.0099999999999999999999999999999"', '0.0099999999999999999999999999999', '1e-1000030',
           '"1e-1000030"']
    return [pytest.param(literal, id=literal) for literal in raw]


@pytest.mark.parametrize("literal", bad_amounts())
@pytest.mark.parametrize("where", ["transfer", "deposit"])
def test_bad_amounts_are_refused_and_move_nothing(api, world, sql, literal, where):
    if where == "transfer":
        path, headers = "/api/transfers", world["customer"]
        fields = f'"from_account": "{world["alice"].account}", "to_account": "{world["bob"].account}"'
    else:
        path, headers = f"/api/manage/accounts/{world['alice'].account}/deposits", world["admin"]
        fields = '"description": "x"'
    before = snapshot(sql)
    response = api.post(path, content=f'{{{fields}, "amount": {literal}}}',
                        headers={**headers, "Content-Type": "application/json", "Idempotency-Key": "bad-amount"})
    assert_refused(response.status_code, response.headers["content-type"], response.content, (400, 422))
    assert snapshot(sql) == before


def envelope_cases():
    nested = ("[" * 30_000) + ("]" * 30_000)
    deep_field = '{"from_account": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}"
    return [
        pytest.param(b'{"name": "' + b"x" * (65 * 1024) + b'", "currency": "EUR"}', "application/json", 413,
                     id="body over 64 KB"),
        pytest.param(b'{"name": "x", "currency": "EUR"}', "text/plain", 415, id="text/plain"),
        pytest.param(b"name=x&currency=EUR", "application/x-www-form-urlencoded", 415, id="form"),
        pytest.param(b'{"name": "x", "currency": "EUR"}', "", 415, id="no content type"),
        pytest.param(b'<account><name>x</name></account>', "application/xml", 415, id="xml"),
        pytest.param(b'{"name": "x", "currency": ', "application/json", 400, id="truncated JSON"),
        pytest.param(b'{"name": "x"} trailing', "application/json", 400, id="trailing garbage"),
        pytest.param(b"\xff\xfe\x00{", "application/json", 400, id="not UTF-8"),
        pytest.param(b"", "application/json", 400, id="empty body"),
        pytest.param(b'{"name": "x", "name": "y", "currency": "EUR", "balance": 1000000}', "application/json", 422,
                     id="extra field balance"),
        pytest.param(b'["name", "currency"]', "application/json", 422, id="array instead of object"),
        pytest.param(nested.encode(), "application/json", 400, id="30000 nested arrays"),
        pytest.param(deep_field.encode(), "application/json", 400, id="5000 nested objects in a field"),
    ]


@pytest.mark.parametrize(("body", "content_type", "status"), envelope_cases())
def test_bodies_of_the_wrong_size_type_or_shape_are_refused(api, world, sql, body, content_type, status):
    before = snapshot(sql)
    headers = {**world["customer"], "Content-Type": content_type}
    response = api.post("/api/accounts", content=body, headers=headers)
    assert_refused(response.status_code, response.headers["content-type"], response.content, (status, 422)
                   if status == 400 else (status,))
    assert snapshot(sql) == before


PATHS = [
    "/api/accounts/../manage/users",
    "/api/accounts/..%2F..%2Fmanage%2Fusers",
    "/api/accounts/IE00IEBK00000000000000%00",
    "/api/accounts/%00",
    "/api/accounts/'%20OR%20'1'='1",
    "/api/accounts/1;DROP%20TABLE%20accounts",
    "/api/accounts/%27%3B--",
    "/api/manage/users/../../accounts",
    "/api/manage/users/1%20OR%201=1",
    "/api/manage/users/%00",
    "/api/manage/users/00000000-0000-0000-0000-000000000000'--",
    "/api/manage/users/..%2F..%2Fhealth/transactions",
    "/api/manage/accounts/IE00IEBK00000000000000';--",
]


@pytest.mark.parametrize("path", PATHS)
def test_path_parameters_with_traversal_nul_or_sql_are_refused(local_host, world, sql, path):
    before = snapshot(sql)
    headers = world["admin"] if "/manage/" in path else world["customer"]
    method = "PATCH" if path.startswith("/api/manage/accounts") else "GET"
    target = urlsplit(local_host.base_url)
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)  # sends the path as written
    try:
        conn.request(method, path, body=b'{"name": "x"}' if method == "PATCH" else None,
                     headers={**headers, "Content-Type": "application/json"})
        response = conn.getresponse()
        assert_refused(response.status, response.getheader("content-type", ""), response.read(), (400, 404, 422))
    finally:
        conn.close()
    assert snapshot(sql) == before


QUERIES = [
    ("/api/transactions", "limit=1000000"), ("/api/transactions", "limit=99999999999999999999999"),
    ("/api/transactions", "limit=-1"), ("/api/transactions", "limit=0"), ("/api/transactions", "limit=abc"),
    ("/api/transactions", "cursor=not-a-cursor!!"), ("/api/transactions", "cursor=djE6YWJj"),  # v1:abc
    ("/api/transactions", "cursor=djE6OTk5OTk5OTk5OTk5OTk5OTk5OTk5"),  # v1:999999999999999999999
    ("/api/transactions", "cursor=djE6LTE"),  # v1:-1
    ("/api/transactions", "cursor=" + "A" * 5000), ("/api/transactions", "cursor=%00"),
    ("/api/transactions", "account=IE00IEBK00000000000000'--"), ("/api/transactions", "account=%00"),
    ("/api/manage/audit", "limit=1000000"), ("/api/manage/audit", "cursor=djE6YWJj"),
    ("/api/manage/audit", "cursor=%27%20OR%201%3D1--"),
    ("/api/manage/users", "limit=1000000"), ("/api/manage/users", "cursor=not-a-cursor!!"),
    ("/api/manage/users", "cursor=" + "A" * 5000),
]


@pytest.mark.parametrize(("path", "query"), QUERIES, ids=[f"{p}?{q[:40]}" for p, q in QUERIES])
def test_huge_limits_and_forged_cursors_are_refused(api, world, sql, path, query):
    before = snapshot(sql)
    headers = world["admin"] if "/manage/" in path else world["customer"]
    response = api.get(f"{path}?{query}", headers=headers)
    assert_refused(response.status_code, response.headers["content-type"], response.content, (400, 422))
    assert snapshot(sql) == before

"""The abuse a security review reproduced against sign-in, registration and names (issue 15),
each over HTTP against the real app. Every test here failed on main before the fix: no address
throttle, a username lock-out anyone could trigger, unbounded bcrypt, a wrong password cheaper
for a user hashed at a lower cost, and invisible characters in names.

The local host appends the TCP peer (127.0.0.1) to X-Forwarded-For as Azure's front end does,
so a test chooses its client address by sending the header (shared/client_address.py)."""

import concurrent.futures
import secrets
import statistics
import time

import bcrypt
import httpx
import psycopg
import pytest

from shared.passwords import _prehash
from tests.api.test_customer_api import problem
from tests.api.test_passwords_api import reset_token, wait_for_mail
from tests.conftest import LocalHost
from tests.helpers import PASSWORD, register_body, sign_up, unique

ADDRESS_LIMIT = 5


def address() -> str:
    """A public address of its own for one test (Python counts documentation ranges as private)."""
    return f"84.203.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}"


def from_address(ip: str) -> dict[str, str]:
    return {"X-Forwarded-For": ip}


def wrong_login(api: httpx.Client, username: str, ip: str) -> httpx.Response:
    return api.post("/api/auth/login", json={"username": username, "password": "Wrong-pass-1"},
                    headers=from_address(ip))


@pytest.fixture(scope="module")
def strict_host(database_url, tmp_path_factory):
    """A host with a small per-address limit, as a person would never meet but a script does."""
    host = LocalHost(database_url, tmp_path_factory.mktemp("strict") / "host.log",
                     AUTH_ADDRESS_LIMIT_PER_MINUTE=str(ADDRESS_LIMIT)).start()
    yield host
    host.stop()


@pytest.fixture(scope="module")
def costly_host(database_url, tmp_path_factory):
    """A host hashing at cost 10 (tens of milliseconds a check) with one password job at a time."""
    host = LocalHost(database_url, tmp_path_factory.mktemp("costly") / "host.log",
                     BCRYPT_ROUNDS="10", BCRYPT_MAX_CONCURRENT="1").start()
    yield host
    host.stop()


def test_a_flood_of_sign_ins_from_one_address_gets_429_too_many_requests_and_other_addresses_do_not(strict_host):
    flooder, bystander = address(), address()
    with httpx.Client(base_url=strict_host.base_url, timeout=30) as api:
        answers = [wrong_login(api, unique("random"), flooder) for _ in range(ADDRESS_LIMIT + 2)]
        assert [r.status_code for r in answers] == [401] * ADDRESS_LIMIT + [429, 429]
        body = problem(answers[-1], 429, "too-many-requests")
        assert 0 < int(answers[-1].headers["retry-after"]) <= 60 and "network" in body["detail"]
        # A forged X-Forwarded-For written before the real hop changes nothing: the rightmost public one counts.
        forged = api.post("/api/auth/login", json={"username": unique(), "password": "Wrong-pass-1"},
                          headers={"X-Forwarded-For": f"{address()}, {flooder}"})
        problem(forged, 429, "too-many-requests")
        assert wrong_login(api, unique("random"), bystander).status_code == 401


def test_a_strangers_failures_from_another_address_never_keep_the_holder_out(api, sql):
    holder, stranger, home = sign_up(api), address(), address()
    answers = [wrong_login(api, holder.username, stranger).status_code for _ in range(10)]
    # The stranger is stopped after the pair's limit (LOGIN_MAX_FAILURES, 5)...
    assert answers == [401] * 5 + [429] * 5, answers
    # ...and the holder, from their own address, signs in with the right password (delayed, not refused).
    started = time.monotonic()
    signed = api.post("/api/auth/login", json={"username": holder.username, "password": PASSWORD},
                      headers=from_address(home))
    assert signed.status_code == 200, signed.text
    assert time.monotonic() - started <= 4.0 + 2.0  # the back-off tops out at 4 s
    # The holder was warned once, by email and in the audit trail, naming the address that tried.
    [warning] = wait_for_mail(api, f"{holder.username}@example.com")
    assert "wrong password 5 times" in warning["text"] and "not locked" in warning["text"]
    delayed = sql.execute("SELECT changes FROM audit_log WHERE action = 'auth.sign_in_delayed' AND target_id = %s",
                          (holder.user_id,)).fetchall()
    assert [row[0]["client_address"] for row in delayed] == [stranger]


def test_registrations_from_one_address_are_throttled_so_usernames_cannot_be_enumerated(strict_host):
    taken = register_body()
    prober = address()
    with httpx.Client(base_url=strict_host.base_url, timeout=30) as api:
        assert api.post("/api/auth/register", json=taken, headers=from_address(address())).status_code == 201
        answers = [api.post("/api/auth/register", json=register_body(taken["username"]),
                            headers=from_address(prober)) for _ in range(ADDRESS_LIMIT + 1)]
        # A sign-up must say a username is taken, but not to a script asking thousands of times.
        assert [r.status_code for r in answers] == [409] * ADDRESS_LIMIT + [429]
        problem(answers[-1], 429, "too-many-requests")
        # Reset requests spend the same count (the answer stays 202 whoever is asked about, until 429).
        reset = api.post("/api/auth/password-reset", json={"login": taken["username"]}, headers=from_address(prober))
        problem(reset, 429, "too-many-requests")


def test_past_the_bcrypt_bound_a_sign_in_gets_503_with_retry_after_at_once_instead_of_queueing(costly_host):
    def attempt(_: int) -> tuple[int, str | None, float]:
        with httpx.Client(base_url=costly_host.base_url, timeout=30) as client:
            started = time.monotonic()
            answer = wrong_login(client, unique("random"), address())
            return answer.status_code, answer.headers.get("retry-after"), time.monotonic() - started

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(attempt, range(24)))
    refused = [(status, retry, took) for status, retry, took in answers if status == 503]
    assert {status for status, _, _ in answers} <= {401, 503}, answers
    assert refused and any(status == 401 for status, _, _ in answers), answers
    assert all(retry == "1" for _, retry, _ in refused), refused
    # Refused at once: quicker than the one bcrypt check at cost 10 it would have queued behind.
    checked = statistics.median(took for status, _, took in answers if status == 401)
    assert statistics.median(took for _, _, took in refused) < checked, answers


def test_a_wrong_password_takes_as_long_for_a_cheaply_hashed_user_as_for_an_unknown_one(costly_host, database_url):
    """Seeded at cost 4 under BCRYPT_ROUNDS=10, a user answered a wrong password 60 times faster
    than an unknown user, which tells a stranger who exists. (The work itself is counted exactly
    in tests/integration/test_password_work.py; here the answer times must not tell the two apart.)"""
    with httpx.Client(base_url=costly_host.base_url, timeout=30) as api:
        bodies = [register_body() for _ in range(9)]
        for body in bodies:
            assert api.post("/api/auth/register", json=body, headers=from_address(address())).status_code == 201
        with psycopg.connect(database_url, autocommit=True) as conn:
            for body in bodies:
                cheap = bcrypt.hashpw(_prehash(PASSWORD), bcrypt.gensalt(4)).decode()
                conn.execute("UPDATE users SET password_hash = %s WHERE username = %s", (cheap, body["username"]))

        def took(username: str) -> float:
            started = time.perf_counter()
            assert wrong_login(api, username, address()).status_code == 401
            return time.perf_counter() - started

        took(unique("warm"))
        timings: dict[str, list[float]] = {"cheap": [], "unknown": []}
        for body in bodies:  # one attempt per user, interleaved: no back-off, no drift between the two
            timings["cheap"].append(took(body["username"]))
            timings["unknown"].append(took(unique("nobody")))
    ratio = statistics.median(timings["cheap"]) / statistics.median(timings["unknown"])
    assert 0.6 < ratio < 1.6, timings


@pytest.mark.parametrize(("field", "text"), [
    ("full_name", "Bank administrator\u200b"),
    ("full_name", "\u202eknaB EI"),
    ("username", "admin\u200d"),
])
def test_names_with_invisible_or_bidirectional_control_characters_are_refused(api, field, text):
    body = problem(api.post("/api/auth/register", json=register_body(**{field: text, "email": f"{unique()}@example.com"})),
                   422, "validation-error")
    [error] = body["errors"]
    assert error["field"] == field, body
    # A username is refused by its shape already (ASCII letters, digits, '.', '_', '-').
    assert "invisible" in error["message"] or field == "username", body


def test_descriptions_and_account_names_with_invisible_characters_are_refused(api):
    customer = sign_up(api)
    opened = api.post("/api/accounts", json={"name": "Savings\u202e", "currency": "EUR"}, headers=customer.headers)
    body = problem(opened, 422, "validation-error")
    assert body["errors"] == [{"field": "name", "message": "must not contain invisible or control characters"
                                                           " (found U+202E)"}]
    sent = api.post("/api/transfers", headers=customer.headers, json={
        "from_account": customer.account, "to_account": sign_up(api).account, "amount": "1.00",
        "description": "Refund from Bank administrator\u200b"})
    assert problem(sent, 422, "validation-error")["errors"][0]["field"] == "description"


def test_a_strangers_failed_sign_ins_do_not_stop_the_holder_changing_their_password(api):
    holder, stranger = sign_up(api), address()
    for _ in range(6):
        wrong_login(api, holder.username, stranger)
    changed = api.post("/api/me/password", headers={**holder.headers, **from_address(address())}, json={
        "current_password": PASSWORD, "new_password": "Fresh-passphrase-42",
        "new_password_confirmation": "Fresh-passphrase-42"})
    assert changed.status_code == 204, changed.text


def test_reset_confirmations_from_one_address_are_throttled_so_reset_tokens_cannot_be_ground(strict_host):
    """Guessing reset tokens costs a stranger the address's count like any anonymous auth call:
    after AUTH_ADDRESS_LIMIT_PER_MINUTE guesses a minute, 429, even with a token that would work."""
    grinder = address()
    guess = {"new_password": "Fresh-passphrase-42", "new_password_confirmation": "Fresh-passphrase-42"}
    with httpx.Client(base_url=strict_host.base_url, timeout=30) as api:
        answers = [api.post("/api/auth/password-reset/confirm", json={**guess, "token": secrets.token_urlsafe(32)},
                            headers=from_address(grinder)) for _ in range(ADDRESS_LIMIT + 1)]
        assert [r.status_code for r in answers] == [400] * ADDRESS_LIMIT + [429], [r.text for r in answers]
        body = problem(answers[-1], 429, "too-many-requests")
        assert 0 < int(answers[-1].headers["retry-after"]) <= 60, body
        # The holder's own link, from their own address, still works; from the grinder's it waits.
        holder = register_body()
        assert api.post("/api/auth/register", json=holder, headers=from_address(address())).status_code == 201
        assert api.post("/api/auth/password-reset", json={"login": holder["username"]},
                        headers=from_address(address())).status_code == 202
        token = reset_token(wait_for_mail(api, holder["email"])[0])
        late = api.post("/api/auth/password-reset/confirm", json={**guess, "token": token},
                        headers=from_address(grinder))
        problem(late, 429, "too-many-requests")
        used = api.post("/api/auth/password-reset/confirm", json={**guess, "token": token},
                        headers=from_address(address()))
        assert used.status_code == 204, used.text

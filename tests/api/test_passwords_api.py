"""Passwords over HTTP: a customer's own change, the staff reset at a branch with its temporary
password, and the forgotten-password email read from the local host's real SMTP sink (issue 15)."""

import re
import statistics
import time

import httpx
import psycopg
import pytest

from tests.api.test_sessions_api import as_browser, cookie_of, login, problem_type
from tests.conftest import LocalHost, free_port
from tests.helpers import PASSWORD, deposit, make_admin, sign_in, sign_up

NEW = "Fresh-passphrase-42"


def change(api, headers, current=PASSWORD, new=NEW, confirmation=None):
    return api.post("/api/me/password", headers=headers, json={
        "current_password": current, "new_password": new, "new_password_confirmation": confirmation or new})


def field_errors(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def test_a_password_change_ends_every_other_session_and_keeps_this_one(api):
    customer = sign_up(api)
    elsewhere = login(api, customer.username)
    here = cookie_of(login(api, customer.username))
    assert change(api, as_browser(here)).status_code == 204
    assert api.get("/api/me", headers={"Authorization": f"Bearer {elsewhere.json()['access_token']}"}).status_code == 401
    assert api.get("/api/me", headers=customer.headers).status_code == 401
    assert api.get("/api/me", headers=as_browser(here)).status_code == 200
    assert api.post("/api/auth/login", json={"username": customer.username, "password": PASSWORD}).status_code == 401
    assert login(api, customer.username, NEW).status_code == 200


@pytest.mark.parametrize(("current", "new", "confirmation", "field", "says"), [
    ("Wrong-password-1", NEW, NEW, "current_password", "current password"),
    (PASSWORD, PASSWORD, PASSWORD, "new_password", "differ"),
    (PASSWORD, "Password123", "Password123", "new_password", "common"),
    (PASSWORD, "short1A", "short1A", "new_password", ""),
    (PASSWORD, NEW, NEW + "x", "new_password_confirmation", ""),
])
def test_a_refused_change_names_the_field_and_changes_nothing(api, current, new, confirmation, field, says):
    customer = sign_up(api)
    errors = field_errors(change(api, customer.headers, current, new, confirmation))
    assert field in errors and says in errors[field].lower()
    assert api.get("/api/me", headers=customer.headers).status_code == 200
    assert login(api, customer.username).status_code == 200


def test_wrong_current_passwords_count_toward_the_sign_in_throttle(api):
    customer = sign_up(api)
    answers = [change(api, customer.headers, current=f"Wrong-password-{i}").status_code for i in range(7)]
    assert answers[0] == 422 and answers[-1] == 429, answers
    # Guessing through the change form is limited like guessing at sign-in.
    assert change(api, customer.headers).status_code == 429


def staff_headers(api, database_url):
    return {"Authorization": f"Bearer {sign_in(api, *make_admin(database_url))}"}


def test_staff_reset_gives_a_temporary_password_good_only_for_choosing_a_new_one(api, database_url, sql):
    customer = sign_up(api)
    deposit(database_url, customer.account, "3.00")
    other = sign_up(api)
    staff = staff_headers(api, database_url)
    reset = api.post(f"/api/manage/users/{customer.user_id}/password-reset", headers=staff)
    assert reset.status_code == 200, reset.text
    temporary, expires_at = reset.json()["temporary_password"], reset.json()["expires_at"]
    assert re.fullmatch(r"[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}", temporary)
    assert api.get("/api/me", headers=customer.headers).status_code == 401  # every session ended

    signed_in = login(api, customer.username, temporary)
    assert signed_in.json()["password_change_required"] is True
    limited = as_browser(cookie_of(signed_in))
    for refused in (api.get("/api/accounts", headers=limited),
                    api.post("/api/transfers", headers={**limited, "Idempotency-Key": "k-temp"},
                             json={"from_account": customer.account, "to_account": other.account, "amount": "1.00"})):
        assert refused.status_code == 403 and problem_type(refused) == "password-change-required"
    assert api.get("/api/auth/session", headers=limited).json()["password_change_required"] is True
    # The access token of that session is just as limited.
    token = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    assert problem_type(api.get("/api/me/sessions", headers=token)) == "password-change-required"

    assert change(api, limited, current=temporary).status_code == 204
    assert api.get("/api/accounts", headers=limited).status_code == 200
    assert api.post("/api/auth/login", json={"username": customer.username, "password": temporary}).status_code == 401
    assert api.get(f"/api/accounts/{customer.account}", headers=limited).json()["balance"] == "3.00"

    audit = sql.execute("SELECT changes::text FROM audit_log WHERE action = 'user.password_reset'"
                        " AND target_id = %s", (customer.user_id,)).fetchone()
    assert audit is not None and temporary not in audit[0] and expires_at[:10] in audit[0]


def test_a_temporary_password_expires(api, database_url, sql):
    customer = sign_up(api)
    temporary = api.post(f"/api/manage/users/{customer.user_id}/password-reset",
                         headers=staff_headers(api, database_url)).json()["temporary_password"]
    sql.execute("UPDATE temporary_passwords SET expires_at = now() - interval '1 second' WHERE user_id = %s",
                (customer.user_id,))
    refused = api.post("/api/auth/login", json={"username": customer.username, "password": temporary})
    assert refused.status_code == 401 and problem_type(refused) == "temporary-password-expired"


def test_staff_cannot_reset_their_own_password_this_way(api, database_url, sql):
    username, password = make_admin(database_url)
    headers = {"Authorization": f"Bearer {sign_in(api, username, password)}"}
    own_id = sql.execute("SELECT id FROM users WHERE username = %s", (username,)).fetchone()[0]
    assert api.post(f"/api/manage/users/{own_id}/password-reset", headers=headers).status_code == 409


def mails_to(api, address: str) -> list[dict]:
    return [message for message in api.get("/_dev/mail").json() if message["to"] == address]


def wait_for_mail(api, address: str, count: int = 1) -> list[dict]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = mails_to(api, address)
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no email to {address}")


def reset_token(message: dict) -> str:
    found = re.search(r"/reset-password#token=([A-Za-z0-9_-]+)", message["text"])
    assert found, message["text"]
    return found.group(1)


def test_a_forgotten_password_is_reset_through_the_emailed_link_once(api):
    customer = sign_up(api)
    email = f"{customer.username}@example.com"
    asked = api.post("/api/auth/password-reset", json={"login": email})
    assert asked.status_code == 202 and asked.content == b""
    token = reset_token(wait_for_mail(api, email)[0])

    confirm = {"token": token, "new_password": NEW, "new_password_confirmation": NEW}
    assert api.post("/api/auth/password-reset/confirm", json=confirm).status_code == 204
    assert api.get("/api/me", headers=customer.headers).status_code == 401  # every session ended
    assert login(api, customer.username, NEW).status_code == 200
    again = api.post("/api/auth/password-reset/confirm", json={**confirm, "new_password": "Another-one-99",
                                                               "new_password_confirmation": "Another-one-99"})
    assert again.status_code == 400 and problem_type(again) == "reset-link-invalid"
    assert login(api, customer.username, NEW).status_code == 200


def test_a_new_password_voids_a_reset_link_sent_before(api):
    customer = sign_up(api)
    api.post("/api/auth/password-reset", json={"login": customer.username})
    token = reset_token(wait_for_mail(api, f"{customer.username}@example.com")[0])
    assert change(api, customer.headers).status_code == 204
    late = api.post("/api/auth/password-reset/confirm",
                    json={"token": token, "new_password": "Another-one-99", "new_password_confirmation": "Another-one-99"})
    assert late.status_code == 400 and problem_type(late) == "reset-link-invalid"


def test_a_reset_link_expires_after_thirty_minutes(api, sql):
    customer = sign_up(api)
    api.post("/api/auth/password-reset", json={"login": customer.username})
    token = reset_token(wait_for_mail(api, f"{customer.username}@example.com")[0])
    sql.execute("UPDATE password_reset_tokens SET expires_at = now() - interval '1 second' WHERE user_id = %s",
                (customer.user_id,))
    late = api.post("/api/auth/password-reset/confirm",
                    json={"token": token, "new_password": NEW, "new_password_confirmation": NEW})
    assert late.status_code == 400


def test_reset_emails_to_one_person_are_capped(api):
    customer = sign_up(api)
    answers = {api.post("/api/auth/password-reset", json={"login": customer.username}).status_code for _ in range(5)}
    assert answers == {202}  # the same answer, whoever asks how often
    time.sleep(1)
    assert len(wait_for_mail(api, f"{customer.username}@example.com", 3)) == 3


def test_the_reset_request_answers_the_same_for_someone_and_for_nobody(api):
    customer = sign_up(api)
    known = api.post("/api/auth/password-reset", json={"login": customer.username})
    unknown = api.post("/api/auth/password-reset", json={"login": "nobody-" + customer.username})
    assert (known.status_code, known.content) == (unknown.status_code, unknown.content) == (202, b"")
    varying = {"x-correlation-id", "date"}
    assert {k: v for k, v in known.headers.items() if k not in varying} == \
           {k: v for k, v in unknown.headers.items() if k not in varying}


class SlowSink:
    """An SMTP server that takes its time over every message, as a busy mail service may."""

    def __init__(self, delay: float) -> None:
        from aiosmtpd.controller import Controller

        self.received = 0
        self.delay = delay
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                import asyncio

                await asyncio.sleep(sink.delay)
                sink.received += 1
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)


@pytest.fixture(scope="module")
def slow_mail_host(database_url, tmp_path_factory):
    sink = SlowSink(delay=2.0)
    sink.controller.start()
    host = LocalHost(database_url, tmp_path_factory.mktemp("slowmail") / "host.log",
                     SMTP_PORT=str(sink.port)).start()
    yield host, sink
    host.stop()
    sink.controller.stop()


def test_the_reset_answer_never_waits_for_the_email(slow_mail_host):
    """Timing would tell whether someone exists if the answer waited for the email: it leaves after."""
    host, sink = slow_mail_host
    with httpx.Client(base_url=host.base_url, timeout=30) as api:
        customer = sign_up(api)
        timings = {"known": [], "unknown": []}
        for i in range(3):
            for kind, who in (("known", customer.username), ("unknown", f"nobody{i}{customer.username}")):
                started = time.perf_counter()
                assert api.post("/api/auth/password-reset", json={"login": who}).status_code == 202
                timings[kind].append(time.perf_counter() - started)
        # Each email takes the sink 2 s; the answers all came well before one email could be taken.
        assert max(timings["known"]) < sink.delay / 2, timings
        assert statistics.median(timings["known"]) < sink.delay / 4, timings
        deadline = time.monotonic() + 15
        while sink.received < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sink.received == 3  # and each was still sent


def test_a_stranger_cannot_sign_the_customer_out_by_asking_for_resets(api):
    customer = sign_up(api)
    for _ in range(3):
        api.post("/api/auth/password-reset", json={"login": customer.username})
    assert api.get("/api/me", headers=customer.headers).status_code == 200
    assert login(api, customer.username).status_code == 200


def test_reset_links_are_stored_only_as_digests(api, database_url):
    customer = sign_up(api)
    api.post("/api/auth/password-reset", json={"login": customer.username})
    token = reset_token(wait_for_mail(api, f"{customer.username}@example.com")[0])
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT token_hash FROM password_reset_tokens WHERE user_id = %s",
                              (customer.user_id,)).fetchall()
        cookies = conn.execute("SELECT secret_hash FROM sessions WHERE user_id = %s", (customer.user_id,)).fetchall()
    assert stored and all(token.encode() not in bytes(row[0]) and len(bytes(row[0])) == 32 for row in stored)
    assert cookies and all(len(bytes(row[0])) == 32 for row in cookies)


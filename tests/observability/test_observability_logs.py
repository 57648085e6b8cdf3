"""Structured logs and correlation ids, over HTTP through the local host (LOG_FORMAT=json)."""

import json
import logging
import secrets
import time
import uuid
from pathlib import Path

import azure.functions as func
import httpx
import psycopg
import pytest

from shared import observability
from tests.conftest import TEST_SIGNING_KEY, LocalHost
from tests.helpers import deposit, register_body, sign_up

REQUEST_FIELDS = {"timestamp", "level", "message", "function", "route", "status", "duration_ms",
                  "correlation_id"}


def trace_id() -> str:
    return secrets.token_hex(16)


def traceparent(trace: str) -> str:
    return f"00-{trace}-{secrets.token_hex(8)}-01"


def json_lines(text: str) -> list[dict]:
    # The host's log stream (stderr) is all JSON; its start banner goes to stdout, which
    # LocalHost writes to the same file, so only the lines that start an object are log lines.
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def request_lines(host: LocalHost, correlation_id: str, wait: float = 5.0) -> list[dict]:
    """The app's request records (logger iebank.request) for one correlation id."""
    deadline = time.monotonic() + wait
    while True:
        found = [line for line in json_lines(host.logs())
                 if line.get("logger") == "iebank.request" and line.get("correlation_id") == correlation_id]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_the_request_log_line_of_a_signed_in_call_is_json_with_every_request_field(api, local_host):
    customer = sign_up(api)
    trace = trace_id()
    response = api.get("/api/me", headers={**customer.headers, "traceparent": traceparent(trace)})
    assert response.status_code == 200

    [line] = request_lines(local_host, trace)
    assert set(line) >= REQUEST_FIELDS
    assert line["level"] == "INFO" and line["status"] == 200 and line["route"] == "/api/me"
    assert line["method"] == "GET" and line["function"] == "me"
    assert line["user_id"] == customer.user_id
    assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0


def test_an_anonymous_request_line_has_its_status_no_user_id_and_the_route_template_not_the_account(
        api, local_host):
    trace = trace_id()
    account = "IE29IEBK12345612345678"
    response = api.get(f"/api/accounts/{account}?secret=1", headers={"traceparent": traceparent(trace)})
    assert response.status_code == 401
    [line] = request_lines(local_host, trace)
    assert line["status"] == 401 and "user_id" not in line
    assert line["route"] == "/api/accounts/{number}" and account not in json.dumps(line)


def test_the_trace_id_of_traceparent_comes_back_in_the_header_and_the_problem_body(api):
    trace = trace_id()
    response = api.get("/api/accounts", headers={"traceparent": traceparent(trace)})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["x-correlation-id"] == trace
    assert response.json()["correlation_id"] == trace


def test_x_correlation_id_is_kept_and_a_missing_or_invalid_one_is_replaced(api):
    given = str(uuid.uuid4())  # a UUID or a W3C trace id: nothing else reaches the audit trail
    kept = api.post("/api/auth/login", json={}, headers={"x-correlation-id": given})
    assert kept.status_code == 422
    assert kept.headers["x-correlation-id"] == given == kept.json()["correlation_id"]

    free_form = "checkout-" + secrets.token_hex(4)
    replaced = api.post("/api/auth/login", json={}, headers={"x-correlation-id": free_form})
    assert replaced.headers["x-correlation-id"] != free_form
    assert len(replaced.headers["x-correlation-id"]) == 32 == len(replaced.json()["correlation_id"])

    invalid = api.get("/api/accounts", headers={"traceparent": "00-" + "0" * 32 + "-" + "1" * 16 + "-01",
                                                "x-correlation-id": "no spaces allowed"})
    generated = invalid.headers["x-correlation-id"]
    assert generated == invalid.json()["correlation_id"]
    assert len(generated) == 32 and int(generated, 16) >= 0


def test_the_apps_own_json_formatter_writes_the_request_fields(caplog):
    # The formatter shared.observability.configure_logging installs for our own processes.
    logger = logging.getLogger("iebank.request.test")
    request = func.HttpRequest("POST", "http://localhost/api/transfers?token=should-not-appear", body=b"",
                               headers={})
    with caplog.at_level(logging.INFO, logger=logger.name):
        observability.log_request(logger, request, 201, time.perf_counter(), "cid-1", "user-1", "create_transfer")
    line = json.loads(observability.JsonFormatter().format(caplog.records[-1]))
    assert set(line) >= REQUEST_FIELDS and line["user_id"] == "user-1" and line["route"] == "/api/transfers"
    assert "should-not-appear" not in json.dumps(line)


@pytest.fixture
def private_host(database_url: str, tmp_path: Path):
    """A host of our own, so its log file holds only the run under test."""
    host = LocalHost(database_url, tmp_path / "host.log").start()
    yield host
    host.stop()


def test_no_password_hash_token_or_signing_key_reaches_the_logs_of_a_customer_journey(private_host, database_url):
    password = "Log-canary-" + secrets.token_hex(8)
    wrong_password = "Wrong-canary-" + secrets.token_hex(8)
    with httpx.Client(base_url=private_host.base_url, timeout=30) as api:
        body = register_body(password=password, password_confirmation=password)
        created = api.post("/api/auth/register", json=body)
        assert created.status_code == 201, created.text
        login = api.post("/api/auth/login", json={"username": body["username"], "password": password})
        assert login.status_code == 200
        token = login.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        deposit(database_url, created.json()["account"]["number"], "50.00")
        recipient = sign_up(api)
        sent = api.post("/api/transfers", headers={**headers, "Idempotency-Key": secrets.token_hex(8)},
                        json={"from_account": created.json()["account"]["number"],
                              "to_account": recipient.account, "amount": "12.50", "description": "rent"})
        assert sent.status_code == 201, sent.text
        refused = api.post("/api/auth/login", json={"username": body["username"], "password": wrong_password})
        assert refused.status_code == 401
        api.get("/api/me", headers={"Authorization": f"Bearer {token}x"})  # a tampered token
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT password_hash FROM users WHERE username = %s", (body["username"],)).fetchone()
    assert row is not None
    password_hash = row[0]

    time.sleep(0.3)  # the host writes after answering
    logs = private_host.logs()
    lines = json_lines(logs)
    statuses = [line["status"] for line in lines if line.get("logger") == "iebank.request"]
    assert statuses[-7:] == [201, 200, 201, 200, 201, 401, 401], statuses
    for secret in (password, wrong_password, token, token.split(".")[2], password_hash, TEST_SIGNING_KEY,
                   recipient.token):
        assert secret not in logs
    # The banner lists routes, some of which are named after passwords; what was logged about the
    # requests must name none.
    logged = "\n".join(line for line in logs.splitlines() if not line.startswith("    "))
    assert "Bearer" not in logged and "password" not in logged.lower().replace("password_confirmation", "")

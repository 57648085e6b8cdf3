"""The deployment smoke test passes a healthy API, fails a broken one, and leaks no secret.

It runs as a subprocess (as the pipeline runs it) against a small stub of the API.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".github" / "scripts" / "smoke_test.py"
USERNAME = "smoke_user"
PASSWORD = "S3cret-Pipeline-Passw0rd!"
TOKEN = "eyJ.secret-token-value.sig"


@dataclass
class StubApi:
    """Behaviour of the stub; tests change the fields to break one endpoint."""

    health: tuple[int, dict[str, Any]] = (200, {"status": "ok", "database": "ok"})
    accounts: tuple[int, Any] = (200, {"items": [{"number": "IE00IEBK00000000000000"}]})
    user_exists: bool = True
    redirect_accounts_to: str | None = None
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)


def _problem(status: int, slug: str, title: str) -> tuple[int, dict[str, Any]]:
    body = {"type": f"https://iebank.example/problems/{slug}", "title": title, "status": status}
    return status, body


@pytest.fixture
def api() -> Iterator[tuple[StubApi, str]]:
    stub = StubApi()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("x-correlation-id", "corr-123")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            stub.requests.append((self.command, self.path, dict(self.headers), body))
            return body

        def do_GET(self) -> None:
            self._record()
            if self.path == "/api/health":
                self._send(*stub.health)
            elif self.path == "/api/accounts":
                if stub.redirect_accounts_to:
                    self._send(302, {}, {"Location": stub.redirect_accounts_to})
                elif self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._send(*_problem(401, "unauthorized", "Unauthorized"))
                else:
                    self._send(*stub.accounts)
            else:
                self._send(*_problem(404, "not-found", "Not Found"))

        def do_POST(self) -> None:
            body = json.loads(self._record() or b"{}")
            if self.path == "/api/auth/login":
                if stub.user_exists and body == {"username": USERNAME, "password": PASSWORD}:
                    self._send(200, {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 900})
                else:
                    self._send(*_problem(401, "unauthorized", "Unauthorized"))
            elif self.path == "/api/auth/register":
                if stub.user_exists:
                    self._send(*_problem(409, "username-taken", "Username taken"))
                else:
                    stub.user_exists = True
                    self._send(201, {"user": {"username": body["username"]}, "account": {}})
            else:
                self._send(*_problem(404, "not-found", "Not Found"))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield stub, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run_smoke(
    base_url: str, *extra: str, username: str = USERNAME, password: str = PASSWORD
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SMOKE_TEST_USERNAME": username,
        "SMOKE_TEST_PASSWORD": password,
    }
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--base-url", base_url, "--health-wait", "0", *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_no_secret_printed(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert PASSWORD not in output
    assert TOKEN not in output


def test_a_healthy_deployment_passes(api: tuple[StubApi, str]) -> None:
    stub, url = api
    result = run_smoke(url)
    assert result.returncode == 0, result.stderr
    assert "smoke test passed" in result.stdout
    assert [(method, path) for method, path, _, _ in stub.requests] == [
        ("GET", "/api/health"),
        ("POST", "/api/auth/login"),
        ("GET", "/api/accounts"),
    ]
    assert_no_secret_printed(result)


def test_an_unhealthy_api_fails_the_deployment(api: tuple[StubApi, str]) -> None:
    stub, url = api
    stub.health = _problem(503, "service-unavailable", "Service Unavailable")
    result = run_smoke(url)
    assert result.returncode == 1
    assert "/api/health" in result.stderr and "503" in result.stderr
    assert "corr-123" in result.stderr


def test_a_health_body_that_is_not_ok_fails(api: tuple[StubApi, str]) -> None:
    stub, url = api
    stub.health = (200, {"status": "degraded"})
    assert run_smoke(url).returncode == 1


def test_a_wrong_password_fails_without_printing_it(api: tuple[StubApi, str]) -> None:
    _, url = api
    result = run_smoke(url, password="not-the-" + PASSWORD)
    assert result.returncode == 1
    assert "401" in result.stderr
    assert "not-the-" not in result.stdout + result.stderr
    assert_no_secret_printed(result)


def test_a_broken_accounts_endpoint_fails(api: tuple[StubApi, str]) -> None:
    stub, url = api
    stub.accounts = _problem(500, "internal-error", "Internal Server Error")
    result = run_smoke(url)
    assert result.returncode == 1
    assert "/api/accounts" in result.stderr
    assert_no_secret_printed(result)


def test_an_accounts_answer_without_items_fails(api: tuple[StubApi, str]) -> None:
    stub, url = api
    stub.accounts = (200, {"accounts": []})
    assert run_smoke(url).returncode == 1


def test_a_redirect_is_refused_so_the_token_goes_nowhere_else(api: tuple[StubApi, str]) -> None:
    stub, url = api
    stub.redirect_accounts_to = "http://127.0.0.1:9/steal"
    result = run_smoke(url)
    assert result.returncode == 1
    assert "redirect" in result.stderr
    assert_no_secret_printed(result)


def test_a_new_environment_gets_its_test_user_registered_once(api: tuple[StubApi, str]) -> None:
    stub, url = api
    stub.user_exists = False
    result = run_smoke(url, "--register-if-missing")
    assert result.returncode == 0, result.stderr
    paths = [path for _, path, _, _ in stub.requests]
    assert paths.count("/api/auth/register") == 1
    assert_no_secret_printed(result)


def test_without_register_if_missing_an_unknown_user_fails(api: tuple[StubApi, str]) -> None:
    stub, url = api
    stub.user_exists = False
    result = run_smoke(url)
    assert result.returncode == 1
    assert not any(path == "/api/auth/register" for _, path, _, _ in stub.requests)


def test_a_taken_username_with_a_wrong_password_fails(api: tuple[StubApi, str]) -> None:
    _, url = api
    result = run_smoke(url, "--register-if-missing", password="wrong-" + PASSWORD)
    assert result.returncode == 1
    assert "register" in result.stderr and "409" in result.stderr


def test_plain_http_to_a_remote_host_is_refused() -> None:
    result = run_smoke("http://iebank.example")
    assert result.returncode == 1
    assert "https" in result.stderr


def test_an_unreachable_site_fails() -> None:
    result = run_smoke("http://127.0.0.1:9")
    assert result.returncode == 1


def test_missing_credentials_are_a_usage_error(api: tuple[StubApi, str]) -> None:
    stub, url = api
    result = run_smoke(url, username="")
    assert result.returncode == 2
    assert stub.requests == []

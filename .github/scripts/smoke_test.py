"""Smoke test of a deployed IE Bank environment; exits non-zero when it is broken.

1. GET  /api/health      -> 200 {"status": "ok", ...}   (retried while the app warms up)
2. POST /api/auth/login  -> 200 with an access token, as the pipeline's test user
   (with --register-if-missing, a 401 leads to one POST /api/auth/register of that user
   and a second sign-in: how a new environment gets its test customer)
3. GET  /api/accounts    -> 200 {"items": [...]} with that token

The test user's credentials come from the environment (SMOKE_TEST_USERNAME,
SMOKE_TEST_PASSWORD), never from arguments. Nothing secret is printed: not the password,
not the token, not a response body; a failure reports the status, the problem type and
title, and the correlation id. Redirects are refused so the token never goes elsewhere,
and plain HTTP is allowed only on loopback (for a local run against `make run`).
Python stdlib only.

Usage: python .github/scripts/smoke_test.py --base-url https://<static-web-app-host>
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

USER_AGENT = "iebank-smoke-test/1"


class SmokeTestFailure(Exception):
    """A check failed; the message is safe to print."""


@dataclass
class Response:
    status: int
    body: bytes
    correlation_id: str | None

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def describe(self) -> str:
        """Status, problem type and title, correlation id: no body, so no echoed input."""
        parts = [f"HTTP {self.status}"]
        payload = self.json()
        if isinstance(payload, dict):
            for key in ("type", "title"):
                if isinstance(payload.get(key), str):
                    parts.append(f"{key}={payload[key]!r}")
        if self.correlation_id:
            parts.append(f"correlation_id={self.correlation_id}")
        return ", ".join(parts)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        raise SmokeTestFailure(f"refused a redirect ({code}) from {req.full_url}")


_OPENER = urllib.request.build_opener(_NoRedirect)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str) -> str:
    parsed = urllib.parse.urlsplit(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise SmokeTestFailure(f"base URL must be http(s)://host[:port], got {base_url!r}")
    if parsed.scheme == "http" and not _is_loopback(parsed.hostname):
        raise SmokeTestFailure("plain HTTP is allowed only for a loopback host; use https")
    return base_url.rstrip("/")


def request(
    method: str,
    url: str,
    *,
    body: dict[str, Any] | None = None,
    token: str | None = None,
    timeout: float,
) -> Response:
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    # S310: check_base_url() allowed only https (or http on loopback) before any request.
    req = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return Response(resp.status, resp.read(), resp.headers.get("x-correlation-id"))
    except urllib.error.HTTPError as error:
        return Response(error.code, error.read(), error.headers.get("x-correlation-id"))
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        raise SmokeTestFailure(f"{method} {url}: no response ({reason})") from None


def check_health(base: str, *, wait_seconds: float, timeout: float) -> None:
    url = f"{base}/api/health"
    deadline = time.monotonic() + wait_seconds
    last = "no attempt"
    while True:
        try:
            resp = request("GET", url, timeout=timeout)
            payload = resp.json()
            if resp.status == 200 and isinstance(payload, dict) and payload.get("status") == "ok":
                print(f"ok   GET /api/health -> 200, database={payload.get('database')!r}")
                return
            last = resp.describe()
        except SmokeTestFailure as error:
            last = str(error)
        if time.monotonic() >= deadline:
            raise SmokeTestFailure(f"GET /api/health never became healthy: {last}")
        print(f"wait GET /api/health: {last}; retrying")
        time.sleep(min(10.0, max(0.1, deadline - time.monotonic())))


def register(base: str, username: str, password: str, *, timeout: float) -> None:
    resp = request(
        "POST",
        f"{base}/api/auth/register",
        body={
            "username": username,
            "password": password,
            "password_confirmation": password,
            "full_name": "Pipeline Smoke Test",
            "email": f"{username}@smoke-test.invalid",
            "country": "IE",
        },
        timeout=timeout,
    )
    if resp.status != 201:
        raise SmokeTestFailure(f"POST /api/auth/register of the test user: {resp.describe()}")
    print("ok   POST /api/auth/register -> 201 (test user created)")


def sign_in(
    base: str,
    username: str,
    password: str,
    *,
    timeout: float,
    register_if_missing: bool = False,
) -> str:
    resp = request(
        "POST",
        f"{base}/api/auth/login",
        body={"username": username, "password": password},
        timeout=timeout,
    )
    if resp.status == 401 and register_if_missing:
        print("info POST /api/auth/login -> 401; registering the test user")
        register(base, username, password, timeout=timeout)
        return sign_in(base, username, password, timeout=timeout)
    payload = resp.json()
    if resp.status != 200 or not isinstance(payload, dict):
        raise SmokeTestFailure(f"POST /api/auth/login as the test user: {resp.describe()}")
    token = payload.get("access_token")
    if not isinstance(token, str) or not token or payload.get("token_type") != "Bearer":
        raise SmokeTestFailure("POST /api/auth/login returned 200 without a Bearer access_token")
    print("ok   POST /api/auth/login -> 200 (token received, not shown)")
    return token


def list_accounts(base: str, token: str, *, timeout: float) -> None:
    resp = request("GET", f"{base}/api/accounts", token=token, timeout=timeout)
    payload = resp.json()
    if resp.status != 200 or not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        raise SmokeTestFailure(f"GET /api/accounts: {resp.describe()}")
    print(f"ok   GET /api/accounts -> 200, {len(payload['items'])} account(s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base-url",
        default=os.environ.get("SMOKE_BASE_URL"),
        help="site root, e.g. https://host (default: $SMOKE_BASE_URL)",
    )
    parser.add_argument(
        "--health-wait",
        type=float,
        default=300.0,
        help="seconds to keep retrying /api/health while the app starts (default 300)",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    parser.add_argument(
        "--register-if-missing",
        action="store_true",
        help="register the test user when sign-in answers 401 (first deployment)",
    )
    args = parser.parse_args(argv)

    username = os.environ.get("SMOKE_TEST_USERNAME", "")
    password = os.environ.get("SMOKE_TEST_PASSWORD", "")
    if not args.base_url:
        print("smoke test: --base-url (or SMOKE_BASE_URL) is required", file=sys.stderr)
        return 2
    if not username or not password:
        print(
            "smoke test: SMOKE_TEST_USERNAME and SMOKE_TEST_PASSWORD must be set",
            file=sys.stderr,
        )
        return 2
    try:
        base = check_base_url(args.base_url)
        print(f"smoke test of {base}")
        check_health(base, wait_seconds=args.health_wait, timeout=args.timeout)
        token = sign_in(
            base,
            username,
            password,
            timeout=args.timeout,
            register_if_missing=args.register_if_missing,
        )
        list_accounts(base, token, timeout=args.timeout)
    except SmokeTestFailure as error:
        print(f"FAIL {error}", file=sys.stderr)
        return 1
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Figure 2: login latency against bcrypt's own cost, and unknown against known usernames."""

from __future__ import annotations

import http.client
import json
import secrets
import statistics
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import bcrypt

from shared.passwords import _prehash


@dataclass
class LoginFigures:
    rounds: int
    samples: int
    known_ms: float
    unknown_ms: float
    checkpw_ms: float

    @property
    def overhead_ms(self) -> float:
        return self.known_ms - self.checkpw_ms

    @property
    def unknown_vs_known(self) -> float:
        """Relative difference, |unknown - known| / known."""
        return abs(self.unknown_ms - self.known_ms) / self.known_ms if self.known_ms else 0.0


def run_login(base_url: str, username: str, password: str, rounds: int, samples: int) -> LoginFigures:
    """Interleaves a known login, an unknown one and a bare bcrypt.checkpw, so the machine's
    noise falls on all three alike. Each unknown username is fresh (the throttle counts attempts
    per username; a repeated one would be refused with 429 after a few). The client is the
    standard library's, on one kept-alive connection: its own cost per request is a fraction of a
    millisecond, where httpx's was one to two (the login's cost, not the client's, is the figure)."""
    stored = bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds))
    candidate = _prehash(password)
    known, unknown, checks = [], [], []
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=30)

    def post_login(name: str) -> tuple[float, int, bytes]:
        body = json.dumps({"username": name, "password": password})
        started = time.perf_counter()
        connection.request("POST", "/api/auth/login", body, {"Content-Type": "application/json"})
        answer = connection.getresponse()
        content = answer.read()
        return time.perf_counter() - started, answer.status, content

    try:
        for _ in range(2):  # warm: connections, prepared statements
            post_login(username)
        for _ in range(samples):
            seconds, status, content = post_login(username)
            known.append(seconds)
            if status != 200:
                raise RuntimeError(f"known login answered {status}: {content[:500]!r}")
            seconds, status, content = post_login("nobody" + secrets.token_hex(6))
            unknown.append(seconds)
            if status != 401:
                raise RuntimeError(f"unknown login answered {status}: {content[:500]!r}")
            started = time.perf_counter()
            bcrypt.checkpw(candidate, stored)
            checks.append(time.perf_counter() - started)
    finally:
        connection.close()
    return LoginFigures(rounds, samples, statistics.median(known) * 1000, statistics.median(unknown) * 1000,
                        statistics.median(checks) * 1000)

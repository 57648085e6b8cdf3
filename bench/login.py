"""Figure 2: login latency against bcrypt's own cost, and unknown against known usernames."""

from __future__ import annotations

import secrets
import statistics
import time
from dataclasses import dataclass

import bcrypt
import httpx

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
    per username; a repeated one would be refused with 429 after a few)."""
    stored = bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds))
    candidate = _prehash(password)
    known, unknown, checks = [], [], []
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for _ in range(2):  # warm: connections, prepared statements
            client.post("/api/auth/login", json={"username": username, "password": password})
        for _ in range(samples):
            started = time.perf_counter()
            answer = client.post("/api/auth/login", json={"username": username, "password": password})
            known.append(time.perf_counter() - started)
            if answer.status_code != 200:
                raise RuntimeError(f"known login answered {answer.status_code}: {answer.text}")
            started = time.perf_counter()
            answer = client.post("/api/auth/login",
                                 json={"username": "nobody" + secrets.token_hex(6), "password": password})
            unknown.append(time.perf_counter() - started)
            if answer.status_code != 401:
                raise RuntimeError(f"unknown login answered {answer.status_code}: {answer.text}")
            started = time.perf_counter()
            bcrypt.checkpw(candidate, stored)
            checks.append(time.perf_counter() - started)
    return LoginFigures(rounds, samples, statistics.median(known) * 1000, statistics.median(unknown) * 1000,
                        statistics.median(checks) * 1000)

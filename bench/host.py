"""The local Functions host (python -m devhost) serving the real app for the bench."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def host_environment(database_url: str, signing_key: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("JWT_", "ADMIN_", "DB_", "BCRYPT_", "LOGIN_", "KEY_VAULT_", "AUTH_"))}
    env.update({"DATABASE_URL": database_url, "APP_ENV": "local", "JWT_SIGNING_KEY": signing_key,
                # Tokens and their sessions are made before the first figure and used until the
                # last: the bench mints its tokens itself (the host caps its own at 5 minutes) and
                # its customers may rest longer than 5 minutes between sections.
                "SESSION_IDLE_SECONDS": "3600", "LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1",
                # The load generator signs in from one address, thousands of times a minute.
                "AUTH_ADDRESS_LIMIT_PER_MINUTE": "1000000"})
    env.update(extra)
    return env


class BenchHost:
    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 1, threads: int = 8) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.log_path = log_path
        self.args = [sys.executable, "-m", "devhost", "--port", str(self.port), "--no-embedded",
                     "--workers", str(workers), "--threads", str(threads), "--no-access-log",
                     "--log-format", "json", "--no-timers"]
        self.process: subprocess.Popen[bytes] | None = None

    def launch(self) -> float:
        """Starts the process; returns the perf_counter time it was started at."""
        log = self.log_path.open("ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=log, stderr=log)
        return started

    def start(self, timeout: float = 60) -> BenchHost:
        self.launch()
        self.wait_until("/api/health", timeout=timeout)
        return self

    def wait_until(self, path: str, headers: dict[str, str] | None = None, timeout: float = 60,
                   interval: float = 0.005) -> float:
        """Polls until `path` answers 200; returns the perf_counter time of that answer."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=5) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"host exited: {self.log_path.read_text()[-2000:]}")
                try:
                    if client.get(self.url + path, headers=headers).status_code == 200:
                        return time.perf_counter()
                except httpx.HTTPError:
                    pass
                time.sleep(interval)
        raise RuntimeError(f"host did not answer {path}: {self.log_path.read_text()[-2000:]}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

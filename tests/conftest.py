"""Shared fixtures: a real PostgreSQL (DATABASE_URL, or an embedded one from pgserver), the app's
runtime wired to it, and the local Functions host serving the real app over HTTP.

Tests share one database and stay independent by using fresh random usernames and accounts
(see tests/helpers.py), as the integration tier of cosmicpython does.
"""

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# One key for the whole run, also when this module is imported twice (pytest loads it as
# `conftest`, test modules import `tests.conftest`): a token a test signs must use the host's key.
TEST_SIGNING_KEY = os.environ.setdefault("IEBANK_TEST_SIGNING_KEY", "test-signing-key-" + secrets.token_hex(24))
TEST_BCRYPT_ROUNDS = 4
# The whole suite runs from 127.0.0.1: the per-address sign-in limit (60 a minute) would stop it.
TEST_ADDRESS_LIMIT = 1_000_000


def _fresh_database(server_url: str) -> str:
    name = f"iebank_test_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # name built from digits and hex only
    return urlunsplit(urlsplit(server_url)._replace(path="/" + name))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server: $DATABASE_URL's, or an embedded one started for this run."""
    given = os.environ.get("DATABASE_URL")
    if given:
        yield given
        return
    import pgserver

    data_dir = tempfile.mkdtemp(prefix="iebank-pg-")
    server = pgserver.get_server(data_dir, cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def database_url(postgres_server: str) -> str:
    """A database of its own for this test run, migrated to the latest schema."""
    from ops.migrations import apply_migrations

    url = _fresh_database(postgres_server)
    apply_migrations(url)
    return url


@pytest.fixture(scope="session")
def settings(database_url: str):
    from pydantic import SecretStr

    from shared.settings import Settings

    return Settings(app_env="test", database_url=database_url, jwt_signing_key=SecretStr(TEST_SIGNING_KEY),
                    bcrypt_rounds=TEST_BCRYPT_ROUNDS, db_pool_min_size=1, db_pool_max_size=8,
                    # Every test signs in from the same address; tests of the limit set their own.
                    auth_address_limit_per_minute=TEST_ADDRESS_LIMIT)


@pytest.fixture(scope="session")
def run() -> Iterator[Callable[[Coroutine[Any, Any, T]], T]]:
    """Runs a use case (a coroutine) to its end on the session's one event loop: the app's pool
    belongs to the loop that first used it, as in the Functions worker."""
    with asyncio.Runner() as runner:
        yield runner.run


@pytest.fixture(scope="session")
def runtime(settings, run):
    from shared.runtime import Runtime, set_runtime

    rt = Runtime.from_settings(settings)
    set_runtime(rt)
    yield rt
    set_runtime(None)
    run(rt.db.close())


@pytest.fixture
def sql(database_url: str) -> Iterator[psycopg.Connection]:
    """A direct connection for assertions on what is really in the database."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        yield conn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def host_environment(database_url: str, **extra: str) -> dict[str, str]:
    # DB_PGBOUNCER passes through: tests/pgbouncer runs the API tier with DATABASE_URL at PgBouncer.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("JWT_", "ADMIN_", "DB_")) or key == "DB_PGBOUNCER"}
    env.update({"DATABASE_URL": database_url, "APP_ENV": "test", "JWT_SIGNING_KEY": TEST_SIGNING_KEY,
                "BCRYPT_ROUNDS": str(TEST_BCRYPT_ROUNDS), "LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1",
                "AUTH_ADDRESS_LIMIT_PER_MINUTE": str(TEST_ADDRESS_LIMIT),
                # Each host its own mail sink (devhost/mail_sink.py), read at GET /_dev/mail.
                "SMTP_PORT": str(free_port())})
    env.update(extra)
    return env


class LocalHost:
    """The local Functions host (python -m devhost) serving function_app in a subprocess."""

    def __init__(self, database_url: str, log_path: Path, workers: int = 1, **env: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._args = [sys.executable, "-m", "devhost", "--port", str(self.port), "--no-embedded",
                      # No timers: the nightly purge must not run in the middle of a test run.
                      "--workers", str(workers), "--log-format", "json", "--no-timers"]
        self._env = host_environment(database_url, **env)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> "LocalHost":
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(self._args, cwd=ROOT, env=self._env, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"local host exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(self.base_url + "/api/health", timeout=2).status_code in (200, 503):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"local host did not answer: {self.log_path.read_text()[-2000:]}")

    def stop(self, kill: bool = False) -> None:
        if self.process and self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def logs(self) -> str:
        return self.log_path.read_text()


@pytest.fixture(scope="session")
def local_host(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHost]:
    host = LocalHost(database_url, tmp_path_factory.mktemp("host") / "host.log").start()
    yield host
    host.stop()


@pytest.fixture
def api(local_host: LocalHost) -> Iterator[httpx.Client]:
    from tests.helpers import send_idempotency_key

    with httpx.Client(base_url=local_host.base_url, timeout=30,
                      event_hooks={"request": [send_idempotency_key]}) as client:
        yield client

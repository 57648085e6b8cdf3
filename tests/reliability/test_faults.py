"""Faults while the bank test runs: the database stops and starts again, the host is killed,
a statement runs past its timeout. Money is never created or lost, and the API says 503 (with
Retry-After) rather than 500 while the database cannot serve."""

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.conftest import LocalHost, _fresh_database
from tests.helpers import deposit, sign_up
from tests.reliability import figures
from tests.reliability.bank import Bank

OUTAGE_SECONDS = 8  # longer than psycopg_pool's first backoff steps (1, 2, 4 s)
RECOVERY_LIMIT_SECONDS = 5


class OwnPostgres:
    """An embedded PostgreSQL for this module alone, stopped and started with its own pg_ctl."""

    def __init__(self) -> None:
        import pgserver

        self.data_dir = Path(tempfile.mkdtemp(prefix="iebank-faults-pg-"))
        self.server = pgserver.get_server(self.data_dir, cleanup_mode="delete")
        self.socket_dir = self.server.get_postmaster_info().socket_dir
        self.url = _fresh_database(self.server.get_uri())

    def _pg_ctl(self, *args: str) -> None:
        from pgserver._commands import pg_ctl  # the bundled binaries: pgserver/pginstall/bin

        pg_ctl(list(args), pgdata=self.data_dir, user=self.server.system_user, timeout=60)

    def stop(self) -> None:
        self._pg_ctl("-w", "-m", "fast", "stop")

    def start(self) -> None:
        # The options pgserver itself starts the server with: no TCP, the same socket directory.
        self._pg_ctl("-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.data_dir / "log"), "start")

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        self.server.cleanup()  # its handle still names the first postmaster, so remove the data too
        shutil.rmtree(self.data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    from ops.migrations import apply_migrations

    postgres = OwnPostgres()
    apply_migrations(postgres.url)
    yield postgres
    postgres.close()


def kill_tree(pid: int) -> int:
    """SIGKILL a process and every descendant (the host's worker processes): a crash, no cleanup."""
    def descendants(parent: int) -> list[int]:
        found = []
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found += [child, *descendants(child)]
        return found

    victims = [pid, *descendants(pid)]
    for victim in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
    return len(victims)


def run_in_background(bank: Bank, stop: threading.Event, result: dict) -> threading.Thread:
    def work() -> None:
        result["figures"] = bank.run(10**9, clients=16, seed=int(time.time()), stop=stop,
                                     pause=lambda: time.sleep(0.2))

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def test_database_restart_answers_503_then_recovers_without_losing_money(own_postgres, tmp_path):
    started = time.monotonic()
    host = LocalHost(own_postgres.url, tmp_path / "host.log", workers=2).start()
    try:
        bank = Bank.open(host.base_url, own_postgres.url)
        probe = sign_up(httpx.Client(base_url=host.base_url, timeout=30))
        stop, result = threading.Event(), {}
        thread = run_in_background(bank, stop, result)
        time.sleep(3)
        down_at = time.monotonic()
        own_postgres.stop()
        time.sleep(OUTAGE_SECONDS)
        own_postgres.start()
        up_at = time.monotonic()
        # A reader too, so recovery is measured on a route that is not a retried transfer.
        first_success = None
        with httpx.Client(base_url=host.base_url, timeout=30) as api:
            while time.monotonic() < up_at + 15:
                if api.get("/api/accounts", headers=probe.headers).status_code == 200 and first_success is None:
                    first_success = time.monotonic() - up_at
                time.sleep(0.1)
        stop.set()
        thread.join(timeout=120)
        assert not thread.is_alive(), "clients still waiting for answers"
        run = result["figures"]
    finally:
        host.stop()
    answers = bank.answers()
    during = [a for a in answers if down_at <= a.sent_at < up_at]
    unavailable = [a for a in answers if a.status == 503]
    late_failures = [a for a in answers if a.sent_at >= up_at + RECOVERY_LIMIT_SECONDS and a.status in (0, 503)]
    last_failure = max((a.sent_at for a in answers if a.status in (0, 503)), default=up_at)
    invariants = bank.check()
    invariants |= {
        "every 503 carries Retry-After": all(a.retry_after for a in unavailable),
        "no request hung past the host's 30 s timeout": run.slowest_request_seconds < 30,
        f"requests sent {RECOVERY_LIMIT_SECONDS} s after the database returned all succeed": not late_failures,
    }
    figures.record("faults-database", "Database stop and start during the bank test (host with 2 workers)", {
        "transfers": run.transfers,
        "requests": run.requests,
        "retries with the same Idempotency-Key": run.retries_same_key,
        "outage (s)": OUTAGE_SECONDS,
        "requests sent during the outage": len(during),
        "503 answers (all with Retry-After)": len(unavailable),
        "answers by status": dict(sorted(run.statuses.items())),
        "last failed request after the database returned (s)": round(max(0.0, last_failure - up_at), 2),
        "first successful read after the database returned (s)": round(first_success or -1, 2),
        "slowest request (s)": round(run.slowest_request_seconds, 2),
        "suite time (s)": round(time.monotonic() - started, 1),
    }, invariants)
    assert all(invariants.values()), [name for name, ok in invariants.items() if not ok]
    assert len(unavailable) > 0, "the outage was not seen"
    assert first_success is not None and first_success <= RECOVERY_LIMIT_SECONDS


def test_host_killed_mid_run_then_restarted_moves_in_flight_transfers_at_most_once(database_url, tmp_path):
    started = time.monotonic()
    host = LocalHost(database_url, tmp_path / "host.log", workers=2).start()
    try:
        bank = Bank.open(host.base_url, database_url)
        stop, result = threading.Event(), {}
        thread = run_in_background(bank, stop, result)
        time.sleep(4)
        killed = kill_tree(host.process.pid)
        host.process.wait()
        time.sleep(1)
        host.start()  # same port: the clients retry the same URL with the same keys
        time.sleep(3)
        stop.set()
        thread.join(timeout=120)
        assert not thread.is_alive(), "clients still waiting for answers"
        run = result["figures"]
    finally:
        host.stop()
    in_flight = [job for job in bank.jobs if job.key is not None and any(a.status == 0 for a in job.answers)]
    with psycopg.connect(database_url) as conn:
        per_key = dict(conn.execute(
            "SELECT idempotency_key, count(*) FROM transfers WHERE idempotency_key = ANY(%s) GROUP BY 1",
            ([job.key for job in in_flight],)).fetchall())
    invariants = bank.check()
    invariants |= {
        "every in-flight transfer retried after the restart moved money at most once":
            all(per_key.get(job.key, 0) == (1 if job.final() and job.final().status == 201 else 0)
                for job in in_flight),
        "every in-flight transfer got a final answer after the restart": all(job.final() for job in in_flight),
    }
    figures.record("faults-host-kill", "Local host killed with SIGKILL mid-run and restarted", {
        "transfers": run.transfers,
        "requests": run.requests,
        "processes killed (supervisor and workers)": killed,
        "transfers in flight at the kill, retried with their key": len(in_flight),
        "of which moved money (once)": sum(1 for job in in_flight if per_key.get(job.key)),
        "answers by status": dict(sorted(run.statuses.items())),
        "suite time (s)": round(time.monotonic() - started, 1),
    }, invariants)
    assert all(invariants.values()), [name for name, ok in invariants.items() if not ok]
    assert in_flight, "no transfer was in flight when the host died"


def test_statement_past_the_timeout_is_cancelled_with_503_and_the_connection_stays_in_the_pool(
        database_url, sql, tmp_path):
    def backends() -> set[int]:
        return {row[0] for row in sql.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = 'iebank-api'").fetchall()}

    others = backends()  # the session's other hosts share this database
    # One pooled connection, so the request after the timeout must be served by the same one.
    host = LocalHost(database_url, tmp_path / "host.log", DB_STATEMENT_TIMEOUT_MS="300",
                     DB_POOL_MIN_SIZE="1", DB_POOL_MAX_SIZE="1").start()
    try:
        with httpx.Client(base_url=host.base_url, timeout=30) as api:
            payer, payee = sign_up(api), sign_up(api)
            deposit(database_url, payer.account, "50.00")
            body = {"from_account": payer.account, "to_account": payee.account, "amount": "5.00"}

            assert api.get("/api/accounts", headers=payer.headers).status_code == 200
            before = backends() - others
            # Another session holds the payer's row lock, so the transfer waits past the timeout.
            with psycopg.connect(database_url) as blocker:
                blocker.execute("SELECT 1 FROM accounts WHERE number = %s FOR UPDATE", (payer.account,))
                sent = time.monotonic()
                stuck = api.post("/api/transfers", json=body, headers={**payer.headers, "Idempotency-Key": "slow-1"})
                waited = time.monotonic() - sent
                blocker.rollback()
            assert stuck.status_code == 503, stuck.text
            assert stuck.headers["content-type"].startswith("application/problem+json")
            assert stuck.json()["type"].endswith("/service-unavailable")
            assert int(stuck.headers["retry-after"]) > 0
            assert waited < 5, "the statement was not cancelled at its timeout"
            retried = api.post("/api/transfers", json=body, headers={**payer.headers, "Idempotency-Key": "slow-1"})
            assert retried.status_code == 201, retried.text
            after = backends() - others
            assert after == before, "the connection was replaced instead of going back to the pool"
            balance = api.get(f"/api/accounts/{payer.account}", headers=payer.headers).json()["balance"]
            assert balance == "45.00"  # the cancelled attempt moved nothing, the retry moved it once
    finally:
        host.stop()
    figures.record("faults-statement-timeout", "Statement timeout (300 ms, lock held by another session)", {
        "answer while the lock was held": f"{stuck.status_code} {stuck.json()['type'].rsplit('/', 1)[-1]}, "
                                          f"Retry-After {stuck.headers['retry-after']}",
        "time to the answer (s)": round(waited, 2),
        "server process of the pooled connection, before / after": f"{sorted(before)} / {sorted(after)}",
    }, {"cancelled statement answered 503 with Retry-After": True,
        "the same pooled connection served the next request": True,
        "the cancelled transfer moved no money, its retry moved it once": True})


def test_query_cancelled_by_the_statement_timeout_leaves_a_healthy_pooled_connection(settings):
    """The same at the shared.db layer, with a slow query no route runs, in a unit of work."""
    from shared.db import Database
    from shared.errors import ServiceUnavailable

    async def scenario() -> None:
        db = Database(settings.model_copy(update={"db_statement_timeout_ms": 200, "db_pool_min_size": 1,
                                                  "db_pool_max_size": 1}))
        try:
            async with db.reader() as read:
                first_pid = (await read.fetch_one("SELECT pg_backend_pid() AS pid"))["pid"]
            with pytest.raises(ServiceUnavailable):
                async with db.unit_of_work() as uow:
                    await uow.fetch_one("SELECT pg_sleep(2)")
            async with db.reader() as read:
                assert (await read.fetch_one("SELECT pg_backend_pid() AS pid"))["pid"] == first_pid
            assert db.pool is not None and db.pool.get_stats().get("connections_lost", 0) == 0
        finally:
            await db.close()

    asyncio.run(scenario())

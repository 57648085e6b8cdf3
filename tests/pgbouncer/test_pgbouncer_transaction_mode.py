"""Issue 10: the data layer works through PgBouncer in transaction pooling mode (DB_PGBOUNCER=true):
no server-side prepared statements, no session state, and the statement timeout from the role's
default instead of the `options` startup parameter (which PgBouncer does not pass on).

The last test runs the integration and API tiers again, in a separate pytest process, with
DATABASE_URL pointing at PgBouncer: the test database is created, migrated and used through it.
"""

import asyncio
import contextlib
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict

from shared.db import Database
from shared.errors import ServiceUnavailable
from shared.settings import Settings
from tests.conftest import ROOT


@contextlib.asynccontextmanager
async def _app_database(url: str, **overrides) -> AsyncIterator[Database]:
    db = Database(Settings(app_env="test", database_url=url, db_pgbouncer=True, db_pool_min_size=0,
                           db_pool_max_size=4, db_pool_timeout_seconds=5, **overrides))
    try:
        yield db
    finally:
        await db.close()


def _spread_over_server_connections(pgbouncer, database: str, count: int = 3) -> None:
    """Opens `count` server connections at once, so the next transactions rotate over them."""
    barrier = threading.Barrier(count)

    def hold() -> None:
        with psycopg.connect(pgbouncer.url(database), autocommit=True) as conn, conn.transaction():
            conn.execute("SELECT 1")
            barrier.wait(timeout=10)

    threads = [threading.Thread(target=hold) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_pgbouncer_refuses_the_options_startup_parameter_so_the_app_does_not_send_it(pgbouncer, database_url):
    database = conninfo_to_dict(database_url)["dbname"]
    with pytest.raises(psycopg.OperationalError, match="unsupported startup parameter"):
        psycopg.connect(pgbouncer.url(database), options="-c statement_timeout=5000").close()
    async def one() -> object:
        async with _app_database(pgbouncer.url(database)) as db, db.reader() as read:
            return await read.fetch_one("SELECT 1 AS one")

    assert asyncio.run(one()) == {"one": 1}


def test_the_data_layer_uses_no_server_side_prepared_statements(pgbouncer, database_url):
    database = conninfo_to_dict(database_url)["dbname"]
    _spread_over_server_connections(pgbouncer, database)
    # Control: psycopg's default prepares a query run 5 times on a connection; through transaction
    # pooling the prepared statement lives on another server connection, and the query fails.
    with pytest.raises((pg_errors.InvalidSqlStatementName, pg_errors.DuplicatePreparedStatement)), \
            psycopg.connect(pgbouncer.url(database), autocommit=True) as conn:
        for _ in range(12):
            conn.execute("SELECT count(*) FROM accounts WHERE currency = %s", ("EUR",))
    # The app's data layer with DB_PGBOUNCER=true runs the same query any number of times.
    async def twelve_times() -> list[object]:
        rows = []
        async with _app_database(pgbouncer.url(database)) as db:
            for _ in range(12):
                async with db.unit_of_work() as uow:
                    rows.append(await uow.fetch_one("SELECT count(*) AS n FROM accounts WHERE currency = %s",
                                                    ("EUR",)))
        return rows

    assert all(row is not None and row["n"] >= 1 for row in asyncio.run(twelve_times()))


def test_the_statement_timeout_comes_from_the_role_default_and_a_cancelled_query_is_503(pgbouncer, postgres_server):
    # A database of its own, so the role default set here touches nothing else.
    name = f"iebank_timeout_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # name is hex only
        conn.execute(f'ALTER ROLE CURRENT_USER IN DATABASE "{name}" SET statement_timeout = 300')
    async def scenario() -> None:
        async with _app_database(pgbouncer.url(name)) as db:
            async with db.reader() as read:
                assert await read.fetch_one("SELECT current_setting('statement_timeout') AS t") == {"t": "300ms"}
            started = time.monotonic()
            with pytest.raises(ServiceUnavailable):
                async with db.reader() as read:
                    await read.fetch_one("SELECT pg_sleep(5)")
            assert time.monotonic() - started < 3

    asyncio.run(scenario())


def _summary(output: str) -> dict[str, int]:
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|errors?|skipped)", output.splitlines()[-1])}


def test_the_integration_and_api_tiers_pass_through_pgbouncer_in_transaction_mode(pgbouncer, tmp_path: Path):
    env = {**os.environ, "DATABASE_URL": pgbouncer.url("postgres"), "DB_PGBOUNCER": "true"}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.pgbouncer.client_without_prepare",
         "--durations=5", f"--basetemp={tmp_path / 'run'}",
         # The runtime-role suite signs in as roles of its own, which this PgBouncer (trust, one
         # user) does not know: it is about grants, not the pooler, and runs in the direct tier.
         "--deselect", "tests/integration/test_runtime_role.py",
         "tests/integration", "tests/api"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:] + "\n--- pgbouncer log ---\n" + pgbouncer.logs()[-3000:]
    summary = _summary(result.stdout.strip())
    assert summary.get("passed", 0) >= 100 and not summary.get("skipped"), summary
    # The traffic really went through PgBouncer, in transaction mode.
    assert {row["key"]: row["value"] for row in pgbouncer.admin("SHOW CONFIG")}["pool_mode"] == "transaction"
    transactions = sum(int(row["total_xact_count"]) for row in pgbouncer.admin("SHOW STATS")
                       if str(row["database"]).startswith("iebank_test_"))
    assert transactions >= 100, transactions  # SHOW STATS totals lag by up to stats_period
    print(f"pgbouncer tier: {summary} in {time.monotonic() - started:.1f} s, {transactions}+ transactions")
    print(result.stdout[-1500:])

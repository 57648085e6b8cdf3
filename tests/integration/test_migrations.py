"""ops/migrations.py as an operator relies on it: versioned files once each and never edited,
repeatable R__ files (one database function each) re-applied exactly when they change, and two
runners at once applying each thing once.

Integration tier: each test gets a fresh database of its own on the real PostgreSQL server.
"""

import shutil
import threading
from pathlib import Path

import psycopg
import pytest

from ops.migrations import MIGRATIONS_DIR, apply_migrations, repeatable_files, versioned_files
from tests.conftest import _fresh_database

PROBE = "CREATE OR REPLACE FUNCTION migration_probe() RETURNS text LANGUAGE sql AS $$ SELECT {!r} $$;\n"


@pytest.fixture
def url(postgres_server: str) -> str:
    return _fresh_database(postgres_server)


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    """A copy of the project's migrations/ plus a probe function we can edit, R__migration_probe."""
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, directory)
    (directory / "R__migration_probe.sql").write_text(PROBE.format("first"))
    return directory


def recorded(url: str) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        return dict(conn.execute("SELECT version, checksum FROM schema_migrations").fetchall())


def probe(url: str) -> str:
    with psycopg.connect(url) as conn:
        return str(conn.execute("SELECT migration_probe()").fetchone()[0])  # type: ignore[index]


def test_a_fresh_database_gets_every_versioned_file_in_order_then_every_function_and_a_rerun_applies_nothing(url):
    expected = [path.stem for path in versioned_files()] + [path.stem for path in repeatable_files()]
    assert expected[:3] == ["0001_core", "0002_post_transfer_checks_caller", "0003_posting_outcome"]
    assert "R__post_transfer" in expected
    assert apply_migrations(url) == expected
    assert apply_migrations(url) == []
    assert set(recorded(url)) == set(expected)


def test_an_edited_function_file_is_reapplied_and_the_database_runs_its_new_body(url, migrations):
    apply_migrations(url, migrations)
    assert probe(url) == "first"
    before = recorded(url)
    (migrations / "R__migration_probe.sql").write_text(PROBE.format("second"))
    assert apply_migrations(url, migrations) == ["R__migration_probe"]  # the unchanged R__post_transfer is not
    assert probe(url) == "second"
    after = recorded(url)
    assert after["R__migration_probe"] != before["R__migration_probe"]
    assert {k: v for k, v in after.items() if k != "R__migration_probe"} == \
        {k: v for k, v in before.items() if k != "R__migration_probe"}
    assert apply_migrations(url, migrations) == []


def test_post_transfer_can_be_reapplied_over_itself_on_a_database_holding_money(url, migrations):
    apply_migrations(url, migrations)
    with psycopg.connect(url, autocommit=True) as conn:
        user = conn.execute("INSERT INTO users (username, password_hash, full_name, email, country) VALUES "
                            "('rerun', 'x', 'R', 'r@example.com', 'IE') RETURNING id").fetchone()[0]  # type: ignore[index]
        conn.execute("INSERT INTO accounts (number, owner_id, name, currency, country) VALUES "
                     "('IE73IEBK00000000000042', %s, 'R', 'EUR', 'IE')", (user,))
    source = migrations / "R__post_transfer.sql"
    source.write_text(source.read_text() + "-- an edit that changes the checksum only\n")
    assert apply_migrations(url, migrations) == ["R__post_transfer"]
    with psycopg.connect(url) as conn:
        outcome = conn.execute("SELECT outcome FROM post_transfer(NULL, NULL, 'IE73IEBK00000000000042', 5, '',"
                               " 'deposit', NULL, ''::bytea, false)").fetchone()
        assert outcome == ("posted",)


def test_an_edited_versioned_file_is_refused_and_nothing_of_that_run_is_applied(url, migrations):
    apply_migrations(url, migrations)
    before = recorded(url)
    (migrations / "R__migration_probe.sql").write_text(PROBE.format("second"))
    applied_file = migrations / "0001_core.sql"
    applied_file.write_text(applied_file.read_text() + "\n-- edited after it was applied\n")
    with pytest.raises(RuntimeError, match="0001_core changed after it was applied"):
        apply_migrations(url, migrations)
    assert recorded(url) == before
    assert probe(url) == "first"


def run_together(url: str, migrations: Path, runners: int = 2) -> list[list[str]]:
    start = threading.Barrier(runners)
    results: list[list[str]] = []

    def run() -> None:
        start.wait()
        results.append(apply_migrations(url, migrations))

    threads = [threading.Thread(target=run) for _ in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == runners, "a runner failed or hung"
    return results


def test_two_runners_at_once_apply_each_file_once_and_a_changed_function_once(url, migrations):
    everything = [path.stem for path in versioned_files(migrations)] + \
        [path.stem for path in repeatable_files(migrations)]
    assert sorted(run_together(url, migrations)) == [[], everything]
    (migrations / "R__migration_probe.sql").write_text(PROBE.format("second"))
    assert sorted(run_together(url, migrations)) == [[], ["R__migration_probe"]]
    assert probe(url) == "second"

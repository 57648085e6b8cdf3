"""Applies migrations/ in one transaction under an advisory lock: each versioned file once, in order,
then each repeatable file whenever its content changed, as Flyway does.

- Versioned files, `NNNN_name.sql`, hold tables and types. Once applied they are never edited: a
  changed one stops the run (the fix for a bad migration is a new one).
- Repeatable files, `R__name.sql`, hold the current source of one database function each, so a rule
  change is a diff of that file. They run after every versioned file, in name order, and must be
  safe to run again (CREATE OR REPLACE, or DROP ... IF EXISTS then CREATE).

Both kinds are recorded in schema_migrations under their file stem ('0001_core', 'R__post_transfer')
with the checksum of what was applied; for a repeatable file the row is updated on each re-apply.
"""

import hashlib
from pathlib import Path

import psycopg

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Any constant works; it only has to be the same for every runner of this schema.
_LOCK_ID = 0x1EBA7C


def versioned_files(directory: Path = MIGRATIONS_DIR) -> list[Path]:
    return sorted(directory.glob("[0-9][0-9][0-9][0-9]_*.sql"))


def repeatable_files(directory: Path = MIGRATIONS_DIR) -> list[Path]:
    return sorted(directory.glob("R__*.sql"))


def _checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def set_role_statement_timeout(database_url: str, role: str, timeout_ms: int) -> None:
    """Makes the statement timeout the app role's default.

    Through PgBouncer in transaction mode the app cannot send it per connection (PgBouncer refuses
    the startup `options`, and a session SET would leak to other clients), so the role carries it.
    """
    from psycopg import sql

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER ROLE {} SET statement_timeout = {}").format(
            sql.Identifier(role), sql.Literal(f"{int(timeout_ms)}ms")))


def apply_migrations(database_url: str, migrations_dir: Path | None = None) -> list[str]:
    """Applies what is new or changed; returns the file stems it applied, re-applied ones included.

    Everything runs in one transaction holding a transaction-scoped advisory lock, so two runners
    started at once apply each file once (the second waits, then finds nothing to do), a failed
    file leaves no half-applied schema, and it works through PgBouncer in transaction mode.
    `migrations_dir` defaults to the project's migrations/.
    Raises RuntimeError when an applied versioned file was edited afterwards.
    """
    directory = MIGRATIONS_DIR if migrations_dir is None else migrations_dir
    applied_now: list[str] = []
    with psycopg.connect(database_url, autocommit=True) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
        conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                       version    text PRIMARY KEY,
                       checksum   text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        applied: dict[str, str] = dict(conn.execute("SELECT version, checksum FROM schema_migrations").fetchall())
        for path in versioned_files(directory):
            version = path.stem
            checksum = _checksum(path)
            if version in applied:
                if applied[version] != checksum:
                    raise RuntimeError(f"migration {version} changed after it was applied")
                continue
            conn.execute(path.read_bytes())
            conn.execute(
                "INSERT INTO schema_migrations (version, checksum) VALUES (%s, %s)",
                (version, checksum),
            )
            applied_now.append(version)
        # After the versioned files: a function may use a type or table they have just created.
        for path in repeatable_files(directory):
            name = path.stem
            checksum = _checksum(path)
            if applied.get(name) == checksum:
                continue
            conn.execute(path.read_bytes())
            conn.execute(
                """INSERT INTO schema_migrations (version, checksum) VALUES (%s, %s)
                   ON CONFLICT (version) DO UPDATE SET checksum = excluded.checksum, applied_at = now()""",
                (name, checksum),
            )
            applied_now.append(name)
    return applied_now

"""Applies the versioned SQL files in migrations/ once each, in order, under an advisory lock."""

import hashlib
from pathlib import Path

import psycopg

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Any constant works; it only has to be the same for every runner of this schema.
_LOCK_ID = 0x1EBA7C


def pending_files() -> list[Path]:
    return sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))


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


def apply_migrations(database_url: str) -> list[str]:
    """Applies what is not applied yet; returns the versions it applied.

    Everything runs in one transaction holding a transaction-scoped advisory lock, so two runners
    started at once apply each file once (the second waits, then finds nothing to do), a failed
    file leaves no half-applied schema, and it works through PgBouncer in transaction mode.
    Raises RuntimeError when an applied file was edited afterwards.
    """
    applied_now: list[str] = []
    with psycopg.connect(database_url, autocommit=True) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
        conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                       version    text PRIMARY KEY,
                       checksum   text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        applied = dict(conn.execute("SELECT version, checksum FROM schema_migrations").fetchall())
        for path in pending_files():
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
    return applied_now

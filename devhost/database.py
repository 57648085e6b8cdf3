"""The embedded PostgreSQL (pgserver) and the one-off setup the dev host runs before serving.

Lifecycle: pgserver keeps a list of the processes holding a server handle
(``<pgdata>/.handle_pids.json``) and stops the server when the last of them exits. We keep
that behaviour (the server stops when the dev host stops, unless another dev host on the same
data folder still uses it) and prune the ids of processes that died without saying so
(SIGKILL), which would otherwise keep the server running forever. A postmaster left behind
by a killed dev host is adopted by the next start.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger("devhost.database")
DATABASE_NAME = "iebank"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class EmbeddedPostgres:
    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        self._server: Any = None

    def start(self) -> str:
        """Start (or adopt) the server and return a libpq URI for the app's database."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on import
            from pgserver.postgres_server import get_server

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        pid_list = self.pgdata / ".handle_pids.json"
        if pid_list.is_file():
            try:
                alive = [pid for pid in json.loads(pid_list.read_text()) if _alive(pid)]
                pid_list.write_text(json.dumps(alive))
            except (ValueError, OSError):
                pid_list.unlink(missing_ok=True)
        # As root, pgserver creates a "pgserver" system user, runs PostgreSQL as that user,
        # hands it pgdata and opens read/traverse permissions on its parent folders.
        self._server = get_server(self.pgdata, cleanup_mode="stop")
        self._create_database()
        uri: str = self._server.get_uri(DATABASE_NAME)
        return uri

    def _create_database(self) -> None:
        import psycopg

        with psycopg.connect(self._server.get_uri("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')

    def stop(self) -> None:
        """Release our handle; pgserver stops the server if no other live process holds one."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def _optional_ops(module: str) -> Any:
    """Import ``ops.<module>``; None (with a warning) while the backend has not written it yet."""
    try:
        return importlib.import_module(f"ops.{module}")
    except ModuleNotFoundError as exc:
        if exc.name not in ("ops", f"ops.{module}"):
            raise
        log.warning("ops.%s is not available; skipping that setup step", module)
        return None


def prepare(database_url: str, *, seed: bool) -> list[dict[str, Any]]:
    """Apply migrations, create the admin from ADMIN_USERNAME/ADMIN_PASSWORD, seed demo data.

    Returns the demo credentials (empty when not seeding).
    """
    migrations = _optional_ops("migrations")
    if migrations is not None:
        migrations.apply_migrations(database_url)
    username, password = (
        os.environ.get("ADMIN_USERNAME"),
        os.environ.get("ADMIN_PASSWORD"),
    )
    if username and password:
        admin = _optional_ops("admin")
        if admin is not None:
            admin.ensure_admin(database_url, username, password)
    if not seed:
        return []
    demo = _optional_ops("demo")
    return list(demo.seed_demo_data(database_url) or []) if demo is not None else []


def describe_url(url: str) -> str:
    """The database URL for the banner, without its password."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
        parts = parts._replace(netloc=netloc)
    return parts._replace(query="").geturl() + (" (unix socket)" if "host=/" in url else "")

"""The benchmark's own PostgreSQL: a fresh pgserver instance in a temporary folder.

The app's database and pgbench's tables live in separate databases of the same server, so the
app and its baseline share one engine, one configuration and one disk.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

APP_DATABASE = "iebank_bench"
PGBENCH_DATABASE = "pgbench"
PGBENCH_HOT_DATABASE = "pgbench_hot"


@dataclass
class BenchPostgres:
    data_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="iebank-bench-pg-")))
    _server: Any = None

    def start(self) -> BenchPostgres:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR
            import pgserver

        self._server = pgserver.get_server(self.data_dir, cleanup_mode="delete")
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            for name in (APP_DATABASE, PGBENCH_DATABASE, PGBENCH_HOT_DATABASE):
                conn.execute(f'CREATE DATABASE "{name}"')  # fixed names, no input
        return self

    def url(self, database: str = APP_DATABASE) -> str:
        return str(self._server.get_uri(database))

    @property
    def socket_dir(self) -> str:
        return parse_qs(urlsplit(self.url()).query)["host"][0]

    @property
    def port(self) -> str:
        return str(urlsplit(self.url()).port or 5432)

    @property
    def bin_dir(self) -> Path:
        import pgserver

        return Path(pgserver.__file__).parent / "pginstall" / "bin"

    def postmaster_pid(self) -> int:
        return int((self.data_dir / "postmaster.pid").read_text().split()[0])

    def backend_pids(self) -> list[int]:
        """The postmaster and every process it started (backends, walwriter, checkpointer...)."""
        root = self.postmaster_pid()
        pids = [root]
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == root:
                    pids.append(int(entry))
        return pids

    def settings(self) -> dict[str, str]:
        import psycopg

        names = ("server_version", "shared_buffers", "max_connections", "fsync", "synchronous_commit",
                 "wal_level", "checkpoint_timeout", "max_wal_size")
        with psycopg.connect(self.url("postgres")) as conn:
            rows = conn.execute("SELECT name, setting, coalesce(unit, '') FROM pg_settings WHERE name = ANY(%s)",
                                (list(names),)).fetchall()
        return {name: f"{setting}{'' if unit in ('', 'None') else ' ' + unit}" for name, setting, unit in rows}

    def pgbench_command(self, database: str, *args: str) -> list[str]:
        return [str(self.bin_dir / "pgbench"), "-h", self.socket_dir, "-p", self.port, "-U", "postgres",
                *args, database]

    def pgbench_init(self, database: str, scale: int) -> str:
        """pgbench's tables, generated server-side (-I dtGvp), in their own database."""
        done = subprocess.run(self.pgbench_command(database, "-i", "-q", "-I", "dtGvp", "-s", str(scale)),
                              capture_output=True, text=True, timeout=900, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"pgbench -i failed: {done.stderr[-2000:]}")
        return done.stdout + done.stderr

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
        shutil.rmtree(self.data_dir, ignore_errors=True)

"""Readiness follows the database: 503 while it is stopped, 200 once it is back, same host process.

The test runs its own embedded PostgreSQL (not the session one other tests use) and stops and
starts it with the pg_ctl bundled in pgserver, as an operator would restart a server.
"""

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import LocalHost


class OwnPostgres:
    def __init__(self) -> None:
        import pgserver
        from pgserver.utils import ensure_user_exists

        bin_dir = Path(pgserver.__file__).parent / "pginstall" / "bin"
        self.pg_ctl = bin_dir / "pg_ctl"
        data = Path(tempfile.mkdtemp(prefix="iebank-ready-pg-"))
        # initdb ourselves with --no-sync (pgserver's own initdb fsyncs: seconds on a busy
        # machine); pgserver then adopts the folder. As root it runs PostgreSQL as `pgserver`.
        user = "pgserver" if os.geteuid() == 0 else None
        if user:
            ensure_user_exists(user)
            shutil.chown(data, user)
        subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "--auth=trust", "--encoding=utf8",
                        "-U", "postgres", "--no-sync", "--no-instructions"],
                       check=True, user=user, capture_output=True, timeout=60)
        self.server = pgserver.get_server(data, cleanup_mode="delete")
        info = self.server.get_postmaster_info()
        self.socket_dir = info.socket_dir

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run([str(self.pg_ctl), "-D", str(self.server.pgdata), "-w", *args], check=True,
                       user=self.server.system_user, capture_output=True, timeout=30)

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        # The options pgserver starts it with: unix socket only, in the same folder.
        self._pg_ctl("-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.server.log), "start")


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    postgres = OwnPostgres()
    yield postgres
    postgres.server.cleanup()


def wait_for(client: httpx.Client, status: int, timeout: float = 20) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get("/api/health/ready")
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_readiness_is_503_while_the_database_is_stopped_and_200_once_it_is_back_without_a_restart(
        own_postgres, tmp_path):
    host = LocalHost(own_postgres.server.get_uri(), tmp_path / "host.log").start()
    try:
        assert host.process is not None
        pid = host.process.pid
        with httpx.Client(base_url=host.base_url, timeout=10) as client:
            ready = wait_for(client, 200)
            assert ready.status_code == 200 and ready.json()["checks"]["database"]["status"] == "ok"

            own_postgres.stop()
            down = wait_for(client, 503)
            assert down.status_code == 503, down.text
            check = down.json()["checks"]["database"]
            assert check["status"] == "unavailable" and check["latency_ms"] < 5000
            assert client.get("/api/health").status_code == 503

            own_postgres.start()
            back = wait_for(client, 200)
            assert back.status_code == 200, back.text
            assert client.get("/api/health").json() == {"status": "ok", "database": "ok"}
        assert host.process.poll() is None and host.process.pid == pid
    finally:
        host.stop()

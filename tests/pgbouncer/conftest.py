"""A real PgBouncer (Debian's `pgbouncer` package) in transaction pooling mode, in front of the test
run's PostgreSQL server, for the tests in this directory.

It listens on 127.0.0.1:<free port> and forwards every database name to the server (a `*` entry),
so a database created through it is reachable through it. Clients authenticate with `trust` against
a userlist naming the server's user; PgBouncer signs in to the server with the server URL's
credentials (pgserver's socket trusts local users). PgBouncer refuses to run as root, so as root it
drops to the `pgserver` system user (which pgserver creates when it runs as root) or `nobody`.
server_round_robin makes consecutive transactions of one client land on different server
connections, so anything that relies on session state breaks here instead of in production.
A missing pgbouncer fails the tests (install it with `make system-deps`); it never skips them.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from tests.conftest import free_port

POOL_SIZE = 20  # server connections per database/user pair; the test runs stay far below 35


def pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.access("/usr/sbin/pgbouncer", os.X_OK) else None)
    if not found:
        pytest.fail("pgbouncer is not installed: run `make system-deps` (Debian package pgbouncer)", pytrace=False)
    return found


def _run_as_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    for name in ("pgserver", "nobody"):
        try:
            pwd.getpwnam(name)
            return ["-u", name]
        except KeyError:
            continue
    pytest.fail("pgbouncer refuses to run as root and there is no pgserver or nobody user", pytrace=False)


@dataclass
class PgBouncer:
    port: int
    user: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def url(self, database: str) -> str:
        return f"postgresql://{quote(self.user, safe='')}@127.0.0.1:{self.port}/{quote(database, safe='')}"

    def admin(self, command: str) -> list[dict]:
        """Runs a SHOW command on PgBouncer's admin console."""
        with psycopg.connect(self.url("pgbouncer"), autocommit=True) as conn:
            cur = conn.execute(command)  # a fixed SHOW command
            names = [column.name for column in cur.description or []]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")


def _ini(server: dict[str, str], port: int, workdir: Path) -> str:
    target = " ".join(f"{key}={value}" for key, value in (
        ("host", server.get("host", "localhost")), ("port", server.get("port", "5432")),
        ("user", server.get("user", "postgres")), ("password", server.get("password", ""))) if value)
    return f"""[databases]
* = {target}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {workdir / "userlist.txt"}
admin_users = {server.get("user", "postgres")}
pool_mode = transaction
server_round_robin = 1
default_pool_size = {POOL_SIZE}
max_client_conn = 500
ignore_startup_parameters =
"""


def _wait_until_ready(bouncer: PgBouncer, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bouncer.process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited with {bouncer.process.returncode}: {bouncer.logs()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", bouncer.port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"pgbouncer did not listen: {bouncer.logs()[-2000:]}")


@pytest.fixture(scope="session")
def pgbouncer(postgres_server: str) -> Iterator[PgBouncer]:
    binary = pgbouncer_binary()
    server = {key: str(value) for key, value in conninfo_to_dict(postgres_server).items()}
    user = server.get("user", "postgres")
    # Readable by the unprivileged user PgBouncer drops to; it holds no secret (trust, no password).
    workdir = Path(tempfile.mkdtemp(prefix="iebank-pgbouncer-"))
    workdir.chmod(0o755)
    port = free_port()
    (workdir / "userlist.txt").write_text(f'"{user}" ""\n')
    (workdir / "pgbouncer.ini").write_text(_ini(server, port, workdir))
    log_path = workdir / "pgbouncer.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen([binary, *_run_as_user(), str(workdir / "pgbouncer.ini")],
                                   stdout=log, stderr=subprocess.STDOUT)
    bouncer = PgBouncer(port=port, user=user, process=process, log_path=log_path)
    try:
        _wait_until_ready(bouncer)
        yield bouncer
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)

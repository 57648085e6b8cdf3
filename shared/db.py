"""PostgreSQL access: one lazily created connection pool per worker, and sessions over it.

A session is one pooled connection in autocommit mode: a single statement is its own transaction,
and `session.transaction()` groups several into one (rolled back unless the block completes).
Sessions nest per thread: a handler and the services it calls share the request's connection.

Failures of the database itself (down, restarting, pool exhausted, statement timeout) become
ServiceUnavailable (503 with Retry-After); a unique-constraint violation becomes DuplicateKey.
"""

import select
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, LiteralString

import psycopg
from psycopg import errors as pg_errors
from psycopg import pq
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from shared.errors import DuplicateKey, ServiceUnavailable
from shared.settings import ConfigurationError, Settings

Row = dict[str, Any]

# Errors that say "the database could not serve this now", not "the request is wrong".
_UNAVAILABLE = (psycopg.OperationalError, pg_errors.QueryCanceled, pg_errors.AdminShutdown,
                pg_errors.CannotConnectNow, pg_errors.TooManyConnections)

# psycopg_pool retries a lost connection with exponential backoff (1, 2, 4, 8 s...) until
# reconnect_timeout; after an 8 s outage its next attempt came up to 7 s after the database was
# back. Giving up after 2 s keeps attempts at most ~1 s apart, and a request that then finds the
# pool empty starts a new attempt at once: requests succeed within about a second of the
# database returning (tests/reliability/test_faults.py).
_RECONNECT_GIVE_UP_SECONDS = 2.0

# A connection back in the pool this recently, with nothing for it to read, is handed out without
# a ping; older ones are pinged (a firewall may have dropped them without a word).
_TRUSTED_IDLE_SECONDS = 5.0
# When each connection last went back to the pool (set by Database.session).
_returned_at: "weakref.WeakKeyDictionary[psycopg.Connection[Any], float]" = weakref.WeakKeyDictionary()


def _check_when_in_doubt(conn: psycopg.Connection[Any]) -> None:
    """The pool's check on checkout: a round trip only when the connection may be broken.

    A server that ends a session (restart, failover, an administrator's kill) sends an error and
    closes the socket, so the socket turns readable: such a connection is pinged, fails, and the
    pool replaces it. One that has nothing to read and went back to the pool moments ago is as
    good as it was then. Pinging every checkout cost a round trip on every request.
    """
    returned_at = _returned_at.get(conn)
    in_doubt = (conn.pgconn.status != pq.ConnStatus.OK  # first: a broken connection may have no socket
                or conn.info.transaction_status != pq.TransactionStatus.IDLE
                or returned_at is None or time.monotonic() - returned_at > _TRUSTED_IDLE_SECONDS
                or bool(select.select([conn.pgconn.socket], [], [], 0)[0]))
    if in_doubt:
        ConnectionPool.check_connection(conn)  # raises when broken: the pool discards the connection


class Session:
    def __init__(self, conn: psycopg.Connection[Row]) -> None:
        self._conn = conn

    def fetch_one(self, query: LiteralString, params: tuple[Any, ...] | dict[str, Any] = ()) -> Row | None:
        with self._conn.cursor() as cur:
            self._run(cur, query, params)
            return cur.fetchone()

    def fetch_all(self, query: LiteralString, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[Row]:
        with self._conn.cursor() as cur:
            self._run(cur, query, params)
            return cur.fetchall()

    def execute(self, query: LiteralString, params: tuple[Any, ...] | dict[str, Any] = ()) -> int:
        with self._conn.cursor() as cur:
            self._run(cur, query, params)
            return cur.rowcount

    @contextmanager
    def transaction(self) -> Iterator["Session"]:
        with self._conn.transaction():
            yield self

    @staticmethod
    def _run(cur: psycopg.Cursor[Row], query: LiteralString, params: tuple[Any, ...] | dict[str, Any]) -> None:
        try:
            cur.execute(query, params)
        except pg_errors.UniqueViolation as exc:
            raise DuplicateKey(exc.diag.constraint_name or "") from None


class Database:
    def __init__(self, settings: Settings, password_provider: Callable[[], str] | None = None) -> None:
        if not settings.database_url:
            raise ConfigurationError("DATABASE_URL is not set")
        self._settings = settings
        self._password_provider = password_provider
        self._pool: ConnectionPool[psycopg.Connection[Row]] | None = None
        self._pool_lock = threading.Lock()
        self._local = threading.local()

    def _connection_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"autocommit": True, "row_factory": dict_row,
                                  "application_name": "iebank-api", "connect_timeout": 5}
        if self._settings.db_pgbouncer:
            # PgBouncer in transaction mode: no server-side prepared statements and no session
            # state; the statement timeout is then the role's setting (see docs/scaling.md).
            kwargs["prepare_threshold"] = None
        else:
            kwargs["options"] = f"-c statement_timeout={self._settings.db_statement_timeout_ms}"
        if self._password_provider is not None:
            kwargs["password"] = self._password_provider()
        return kwargs

    @property
    def pool(self) -> ConnectionPool[psycopg.Connection[Row]]:
        if self._pool is None:
            with self._pool_lock:
                if self._pool is None:
                    pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
                        str(self._settings.database_url),
                        kwargs=self._connection_kwargs,
                        min_size=self._settings.db_pool_min_size,
                        max_size=self._settings.db_pool_max_size,
                        timeout=self._settings.db_pool_timeout_seconds,
                        # A connection broken by a database restart is replaced, not handed out.
                        check=_check_when_in_doubt,
                        reconnect_timeout=_RECONNECT_GIVE_UP_SECONDS,
                        name="iebank",
                        open=False,
                    )
                    pool.open(wait=False)
                    self._pool = pool
        return self._pool

    @contextmanager
    def session(self) -> Iterator[Session]:
        current: Session | None = getattr(self._local, "session", None)
        if current is not None:
            yield current
            return
        try:
            with self.pool.connection() as conn:
                session = Session(conn)
                self._local.session = session
                try:
                    yield session
                finally:
                    self._local.session = None
                    _returned_at[conn] = time.monotonic()  # (not a pool reset hook: that costs a thread hop)
        except PoolTimeout:
            raise ServiceUnavailable("The service is busy. Try again shortly.", retry_after_seconds=1) from None
        except _UNAVAILABLE:
            raise ServiceUnavailable() from None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.session() as session, session.transaction():
            yield session

    def ping(self, timeout: float | None = None) -> bool:
        """True when the database answers a trivial query within the timeout (pool wait included)."""
        try:
            with self.pool.connection(timeout=timeout) as conn:
                conn.execute("SELECT 1")
            return True
        except (PoolTimeout, *_UNAVAILABLE):
            return False

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


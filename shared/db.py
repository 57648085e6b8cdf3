"""PostgreSQL access: one lazily opened async connection pool per worker, and units of work on it.

A use case reaches the database only through what it opens here:
- `db.unit_of_work()`: one pooled connection and one transaction, begun with the first statement
  and rolled back unless the use case commits it. `commit_with(query)` runs a last statement and
  commits; when that statement is the unit's only one, it is its own transaction (one round trip:
  a transfer is one call of the SQL function post_transfer).
- `db.reader()`: a connection for reads only, each statement its own snapshot (no BEGIN/COMMIT).
- `db.snapshot()`: reads that all see one REPEATABLE READ snapshot (a statement of account).
- `db.index_order_reader()`: reads planned in index order (a filtered history page).

Failures of the database itself (down, restarting, pool exhausted, statement timeout) become
ServiceUnavailable (503 with Retry-After); a unique-constraint violation becomes DuplicateKey.
The pool belongs to the event loop that first used it (the Functions worker's); it is never
opened at import.
"""

import asyncio
import contextlib
import select
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, LiteralString

import psycopg
from psycopg import errors as pg_errors
from psycopg import pq
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from shared.errors import ConfigurationError, DuplicateKey, ServiceUnavailable
from shared.settings import Settings

Row = dict[str, Any]
Params = tuple[Any, ...] | dict[str, Any]
Connection = psycopg.AsyncConnection[Row]

# Errors that say "the database could not serve this now", not "the request is wrong".
_UNAVAILABLE = (psycopg.OperationalError, pg_errors.QueryCanceled, pg_errors.AdminShutdown,
                pg_errors.CannotConnectNow, pg_errors.TooManyConnections)

# psycopg_pool retries a lost connection with exponential backoff (1, 2, 4, 8 s...) until
# reconnect_timeout; after an 8 s outage its next attempt came up to 7 s after the database was
# back. Giving up after 2 s keeps attempts at most ~1 s apart, and a request that then finds the
# pool empty starts a new attempt at once: requests succeed within about a second of the
# database returning (tests/reliability/test_faults.py).
_RECONNECT_GIVE_UP_SECONDS = 2.0

# Inside a transaction: plans that walk indexes in their order (Database.index_order_reader).
SORTS_OFF: LiteralString = "SET LOCAL enable_sort = off"
INDEX_ORDER_PLANS: LiteralString = SORTS_OFF + "; SET LOCAL enable_bitmapscan = off"

# A connection back in the pool this recently, with nothing for it to read, is handed out without
# a ping; older ones are pinged (a firewall may have dropped them without a word).
_TRUSTED_IDLE_SECONDS = 5.0
# When each connection last went back to the pool.
_returned_at: "weakref.WeakKeyDictionary[Connection, float]" = weakref.WeakKeyDictionary()


async def _check_when_in_doubt(conn: Connection) -> None:
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
        await AsyncConnectionPool.check_connection(conn)  # raises when broken: the pool discards it


class Reader:
    """Reads on one pooled connection; each statement sees the data committed when it starts."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def fetch_one(self, query: LiteralString, params: Params = ()) -> Row | None:
        async with self._conn.cursor() as cur:
            await self._run(cur, query, params)
            return await cur.fetchone()

    async def fetch_all(self, query: LiteralString, params: Params = ()) -> list[Row]:
        async with self._conn.cursor() as cur:
            await self._run(cur, query, params)
            return await cur.fetchall()

    async def _run(self, cur: psycopg.AsyncCursor[Row], query: LiteralString, params: Params) -> None:
        try:
            await cur.execute(query, params)
        except pg_errors.UniqueViolation as exc:
            raise DuplicateKey(exc.diag.constraint_name or "") from None


class UnitOfWork(Reader):
    """One use case's transaction: begun by its first statement, rolled back unless committed."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self._begun = False
        self.committed = False

    async def execute(self, query: LiteralString, params: Params = ()) -> int:
        async with self._conn.cursor() as cur:
            await self._run(cur, query, params)
            return cur.rowcount

    async def commit(self) -> None:
        self._refuse_after_commit()
        if self._begun:
            await self._conn.execute("COMMIT")
        self.committed = True

    async def commit_with(self, query: LiteralString, params: Params = ()) -> Row | None:
        """Runs a last statement, then commits. Alone in the unit, the statement is its own
        transaction (autocommit), so nothing else crosses the network."""
        self._refuse_after_commit()
        if not self._begun:
            async with self._conn.cursor() as cur:
                await Reader._run(self, cur, query, params)
                row = await cur.fetchone()
            self.committed = True
            return row
        row = await self.fetch_one(query, params)
        await self.commit()
        return row

    async def _run(self, cur: psycopg.AsyncCursor[Row], query: LiteralString, params: Params) -> None:
        self._refuse_after_commit()
        if not self._begun:
            await self._conn.execute("BEGIN")
            self._begun = True
        await super()._run(cur, query, params)

    async def _end(self) -> None:
        if self._begun and not self.committed and not self._conn.closed:
            # On a broken connection this fails: the pool discards it, and the transaction with it.
            with contextlib.suppress(psycopg.Error):
                await self._conn.execute("ROLLBACK")

    def _refuse_after_commit(self) -> None:
        if self.committed:
            raise RuntimeError("this unit of work is committed: open a new one")


class Database:
    def __init__(self, settings: Settings, password_provider: Callable[[], str] | None = None) -> None:
        if not settings.database_url:
            raise ConfigurationError("DATABASE_URL is not set")
        self._settings = settings
        self._password_provider = password_provider
        self._pool: AsyncConnectionPool[Connection] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _connection_kwargs(self) -> dict[str, Any]:
        """For each new connection (an Entra token expires: each connection gets a fresh one)."""
        kwargs: dict[str, Any] = {"autocommit": True, "row_factory": dict_row,
                                  "application_name": "iebank-api", "connect_timeout": 5}
        if self._settings.db_pgbouncer:
            # PgBouncer in transaction mode: no server-side prepared statements and no session
            # state; the statement timeout is then the role's setting (see docs/scaling.md).
            kwargs["prepare_threshold"] = None
        else:
            kwargs["options"] = f"-c statement_timeout={self._settings.db_statement_timeout_ms}"
        if self._password_provider is not None:
            # azure-identity's client is synchronous and may call the metadata endpoint.
            kwargs["password"] = await asyncio.to_thread(self._password_provider)
        return kwargs

    async def _opened_pool(self) -> AsyncConnectionPool[Connection]:
        loop = asyncio.get_running_loop()
        if self._pool is not None and self._loop is not loop:
            raise RuntimeError("the connection pool belongs to another event loop")
        if self._pool is None:
            pool: AsyncConnectionPool[Connection] = AsyncConnectionPool(
                str(self._settings.database_url),
                connection_class=psycopg.AsyncConnection,
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
            self._pool, self._loop = pool, loop
            await pool.open(wait=False)
        return self._pool

    @property
    def pool(self) -> AsyncConnectionPool[Connection] | None:
        """The pool once opened (for its statistics), else None."""
        return self._pool

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Connection]:
        pool = await self._opened_pool()
        try:
            async with pool.connection() as conn:
                try:
                    yield conn
                finally:
                    _returned_at[conn] = time.monotonic()
        except PoolTimeout:
            raise ServiceUnavailable("The service is busy. Try again shortly.", retry_after_seconds=1) from None
        except _UNAVAILABLE:
            raise ServiceUnavailable() from None

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        async with self._connection() as conn:
            uow = UnitOfWork(conn)
            try:
                yield uow
            finally:
                await uow._end()

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[Reader]:
        async with self._connection() as conn:
            yield Reader(conn)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Reader]:
        """Reads that all see one snapshot of the database (REPEATABLE READ, read only), taken at
        the first statement: a statement's balance and its entries agree while transfers land."""
        async with self._connection() as conn:
            await conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield Reader(conn)
            finally:
                if not conn.closed:
                    with contextlib.suppress(psycopg.Error):
                        await conn.execute("ROLLBACK")

    @asynccontextmanager
    async def index_order_reader(self, *, bitmap_scans: bool = False) -> AsyncIterator[Reader]:
        """Reads planned to walk their indexes in order (sorts and bitmap scans off, in a read-only
        transaction): for a filtered keyset page, whose filters (text, amounts) the planner cannot
        estimate. Guessing that few entries pass, it would collect and sort every entry of the
        period instead of walking the newest ones until the page is full. With `bitmap_scans`, only
        sorts are off: a GIN index (words) is read by bitmap scans only."""
        async with self._connection() as conn:
            await conn.execute("BEGIN READ ONLY; " + (SORTS_OFF if bitmap_scans else INDEX_ORDER_PLANS))
            try:
                yield Reader(conn)
            finally:
                if not conn.closed:
                    with contextlib.suppress(psycopg.Error):
                        await conn.execute("ROLLBACK")

    async def ping(self, timeout: float | None = None) -> bool:
        """True when the database answers a trivial query within the timeout (pool wait included)."""
        try:
            pool = await self._opened_pool()
            async with pool.connection(timeout=timeout) as conn:
                await conn.execute("SELECT 1")
            return True
        except (PoolTimeout, *_UNAVAILABLE):
            return False

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
            self._loop = None

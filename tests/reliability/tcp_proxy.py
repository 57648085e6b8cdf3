"""A small TCP proxy that stands between the host and PostgreSQL and breaks the network on demand.

It listens on 127.0.0.1 (a free port) and forwards each connection to the server of a database
URL: its TCP address, or its unix socket (pgserver listens on one only), so the host reaches the
database over TCP through the proxy while the test's own checks connect directly.

Faults, changed at any moment from any thread:
- `latency_seconds`: each chunk waits this long before it is forwarded, in both directions (so a
  query and its answer each pay it once);
- `reset_share`: each chunk is, with this probability, not forwarded: the connection is reset
  instead (RST to the host: SO_LINGER 0, then close; the server side is closed too, so
  PostgreSQL ends the session and rolls back what it had not committed);
- `reset_all()`: resets every open connection at once (a network blip or a failover).

A reset that drops the server's answer to a query (a committed transfer whose reply never
arrives) is counted apart: that is the case where a retry must not move the money twice.

toxiproxy does the same and more; it is not packaged in Debian, and this is all the tests need.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from psycopg.conninfo import conninfo_to_dict

T = TypeVar("T")


@dataclass
class ProxyStats:
    connections: int = 0
    chunks: int = 0
    resets: int = 0
    resets_with_query_in_flight: int = 0  # a query forwarded to the server, its answer not yet back
    replies_dropped: int = 0  # the server had answered; the answer was dropped and the link reset


@dataclass(eq=False)  # hashed by identity: kept in a set of open links
class _Link:
    client: asyncio.StreamWriter
    server: asyncio.StreamWriter
    query_in_flight: bool = False
    closed: bool = False
    pumps: list[asyncio.Task[None]] = field(default_factory=list)


def _upstream(database_url: str) -> tuple[str, int] | str:
    """(host, port) of the URL's server, or the path of its unix socket."""
    params = conninfo_to_dict(database_url)
    host = str(params.get("host") or "/tmp").split(",")[0]
    port = int(str(params.get("port") or 5432).split(",")[0])
    return f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)


def _abort(writer: asyncio.StreamWriter) -> None:
    """Closes a connection at once; a TCP one with RST rather than FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class TcpProxy:
    def __init__(self, database_url: str, seed: int = 14) -> None:
        self.upstream = _upstream(database_url)
        self.latency_seconds = 0.0
        self.reset_share = 0.0
        self.stats = ProxyStats()
        self.port = 0
        self._rng = random.Random(seed)
        self._links: set[_Link] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._server: asyncio.base_events.Server | None = None

    def url_for(self, database_url: str) -> str:
        """`database_url` pointed at the proxy: same user, password, database and options."""
        parts = urlsplit(database_url)
        user = parts.netloc.rpartition("@")[0]
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k not in ("host", "port", "hostaddr")])
        netloc = f"{user}@127.0.0.1:{self.port}" if user else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc, query=query))

    # ---- life cycle ---------------------------------------------------------------------------

    def start(self) -> TcpProxy:
        self._thread.start()
        self._server = self._call(asyncio.start_server(self._accept, "127.0.0.1", 0))
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self.reset_all()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)

    # ---- faults -------------------------------------------------------------------------------

    def reset_all(self) -> int:
        """Resets every open connection now; returns how many."""
        async def reset() -> int:
            links = list(self._links)
            for link in links:
                self._reset(link, reply_dropped=False)
            return len(links)

        return self._call(reset())

    def _reset(self, link: _Link, reply_dropped: bool) -> None:
        if link.closed:
            return
        self.stats.resets += 1
        self.stats.resets_with_query_in_flight += link.query_in_flight
        self.stats.replies_dropped += reply_dropped
        self._close(link, _abort)

    def _close(self, link: _Link, how: Callable[[asyncio.StreamWriter], None]) -> None:
        if link.closed:
            return
        link.closed = True
        self._links.discard(link)
        for writer in (link.client, link.server):
            how(writer)

    # ---- forwarding ---------------------------------------------------------------------------

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            if isinstance(self.upstream, str):
                server_reader, server_writer = await asyncio.open_unix_connection(self.upstream)
            else:
                server_reader, server_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            _abort(client_writer)
            return
        self.stats.connections += 1
        link = _Link(client_writer, server_writer)
        self._links.add(link)
        link.pumps = [asyncio.ensure_future(self._pump(link, client_reader, server_writer, to_server=True)),
                      asyncio.ensure_future(self._pump(link, server_reader, client_writer, to_server=False))]
        await asyncio.gather(*link.pumps, return_exceptions=True)

    async def _pump(self, link: _Link, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    to_server: bool) -> None:
        try:
            while not link.closed:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                if self.latency_seconds:
                    await asyncio.sleep(self.latency_seconds)
                if link.closed:
                    return
                self.stats.chunks += 1
                if self.reset_share and self._rng.random() < self.reset_share:
                    self._reset(link, reply_dropped=not to_server and link.query_in_flight)
                    return
                writer.write(chunk)
                await writer.drain()
                link.query_in_flight = to_server
        except (OSError, asyncio.IncompleteReadError):
            pass
        # One side ended (or failed): end the other as well, as a router dropping the flow would.
        self._close(link, lambda w: w.close())

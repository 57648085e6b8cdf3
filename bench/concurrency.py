"""Figure 6: the host under concurrency. Login and a history page at 32 concurrent clients, and
how `GET /api/accounts` fares while logins (bcrypt, CPU-bound) run beside it: idle, with 8
logins of known users, and with 64 anonymous logins (a fresh unknown username each, as a
credential-stuffing client would send)."""

from __future__ import annotations

import http.client
import json
import re
import secrets
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.fixtures import Customer
from bench.host import BenchHost
from bench.processes import run_measured, tree_cpu_seconds
from bench.transfers import NPROC, percentile

LUA_SCRIPT = Path(__file__).with_name("requests.lua")
IDLE, DURING_LOGINS, DURING_ANONYMOUS = "idle", "while 8 logins run", "while 64 anonymous logins run"


@dataclass
class Load:
    """One wrk run: what was asked, how many answered (by status), and how fast."""

    name: str  # the request, "METHOD /path"
    note: str  # who sends it
    clients: int
    seconds: float
    answered: int
    p50_ms: float
    p99_ms: float
    statuses: dict[str, int] = field(default_factory=dict)
    socket_errors: int = 0
    timeouts: int = 0

    @property
    def per_second(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    def status_text(self) -> str:
        parts = [f"{status}: {count}" for status, count in sorted(self.statuses.items())]
        parts += [f"socket errors: {self.socket_errors}"] * bool(self.socket_errors)
        parts += [f"timeouts: {self.timeouts}"] * bool(self.timeouts)
        return ", ".join(parts) or "none"


@dataclass
class Probe:
    """Sequential `GET /api/accounts` from one kept-alive connection, beside `background`."""

    condition: str
    samples: int
    p50_ms: float
    p99_ms: float
    background: Load | None = None


@dataclass
class ConcurrencyFigures:
    loads: list[Load] = field(default_factory=list)
    probes: list[Probe] = field(default_factory=list)

    def probe(self, condition: str) -> Probe | None:
        return next((p for p in self.probes if p.condition == condition), None)

    def p99_vs_idle(self, condition: str) -> float | None:
        idle, other = self.probe(IDLE), self.probe(condition)
        if idle is None or other is None or not idle.p99_ms:
            return None
        return other.p99_ms / idle.p99_ms


Item = dict[str, str]  # method, path, body ("" for none), token ("" for none)


def _lua(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_items(path: Path, items: list[Item]) -> Path:
    rows = ", ".join("{" + ", ".join(f"{key} = {_lua(item[key])}" for key in ("method", "path", "body", "token"))
                     + "}" for item in items)
    path.write_text(f"items = {{{rows}}}\n")
    return path


def login_items(customers: list[Customer], password: str) -> list[Item]:
    return [{"method": "POST", "path": "/api/auth/login", "token": "",
             "body": json.dumps({"username": c.username, "password": password})} for c in customers]


def anonymous_login_items(password: str) -> list[Item]:
    return [{"method": "POST", "path": "/api/auth/login", "token": "",
             "body": json.dumps({"username": "nobody{unique}", "password": password})}]


def history_items(customers: list[Customer], page_size: int) -> list[Item]:
    return [{"method": "GET", "token": c.token, "body": "",
             "path": "/api/transactions?" + urlencode({"account": c.account, "limit": page_size})} for c in customers]


def _wrk(host: BenchHost, items: list[Item], clients: int, seconds: float, work: Path, name: str, note: str,
         interrupt_when: Callable[[], bool] | None = None) -> Load:
    threads = min(clients, NPROC)
    data = _write_items(work / f"items-{secrets.token_hex(3)}.lua", items)
    command = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{max(1, round(seconds))}s",
               "--timeout", "30s", "-s", str(LUA_SCRIPT), host.url + "/", "--", str(data), str(threads),
               "c" + secrets.token_hex(4)]
    measured = run_measured(command, interrupt_when=interrupt_when)
    match = re.search(r"BENCH_RESULT (\{.*\})", measured.output)
    if measured.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed: {measured.output[-2000:]}")
    result = json.loads(match.group(1))
    statuses = {str(k): int(v) for k, v in result["statuses"].items()}
    return Load(name, note, clients, result["duration_us"] / 1e6, sum(statuses.values()), result["p50_us"] / 1000,
                result["p99_us"] / 1000, statuses, result["socket_errors"], result["timeouts"])


def run_load(host: BenchHost, items: list[Item], clients: int, seconds: float, work: Path, note: str) -> Load:
    settle(host)
    return _wrk(host, items, clients, seconds, work, _request(items), note)


def _request(items: list[Item]) -> str:
    return f"{items[0]['method']} {items[0]['path'].split('?')[0]}"


def settle(host: BenchHost, busy_share: float = 0.1, timeout: float = 60) -> None:
    """Waits until the host is idle (under a tenth of a core over half a second): a login the
    load generator gave up on at its end still runs its bcrypt, and would weigh on the next figure."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = tree_cpu_seconds(host.pid)
        time.sleep(0.5)
        if tree_cpu_seconds(host.pid) - before < busy_share * 0.5:
            return


def _probe(host: BenchHost, token: str, samples: int, max_seconds: float) -> list[float]:
    address = urlsplit(host.url)
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=60)
    headers = {"Authorization": f"Bearer {token}"}
    times: list[float] = []
    try:
        for _ in range(3):  # warm: the connection, the token cache, prepared statements
            connection.request("GET", "/api/accounts", headers=headers)
            connection.getresponse().read()
        stop_at = time.monotonic() + max_seconds
        while len(times) < samples and time.monotonic() < stop_at:
            started = time.perf_counter()
            connection.request("GET", "/api/accounts", headers=headers)
            answer = connection.getresponse()
            content = answer.read()
            times.append(time.perf_counter() - started)
            if answer.status != 200:
                raise RuntimeError(f"GET /api/accounts answered {answer.status}: {content[:500]!r}")
    finally:
        connection.close()
    return times


def probe_accounts(host: BenchHost, token: str, samples: int, max_seconds: float, condition: str = IDLE,
                   background: tuple[list[Item], int, Path] | None = None, ramp_seconds: float = 1.0) -> Probe:
    """p50/p99 of GET /api/accounts, alone or while wrk sends `background` (items, clients, work dir)."""
    settle(host)
    if background is None:
        times = _probe(host, token, samples, max_seconds)
        return Probe(condition, len(times), statistics.median(times) * 1000, percentile(times, 99) * 1000)
    items, clients, work = background
    finished, loads, failures = threading.Event(), [], []

    def send() -> None:
        try:
            loads.append(_wrk(host, items, clients, 3600, work, _request(items), condition,
                              interrupt_when=finished.is_set))
        except Exception as error:  # handed to the caller below
            failures.append(error)

    sender = threading.Thread(target=send)
    sender.start()
    try:
        time.sleep(ramp_seconds)  # every connection has a request in flight
        times = _probe(host, token, samples, max_seconds)
    finally:
        finished.set()
        sender.join()
    if failures:
        raise failures[0]
    return Probe(condition, len(times), statistics.median(times) * 1000, percentile(times, 99) * 1000, loads[0])

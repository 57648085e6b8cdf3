"""Figure 1: transfers per second over HTTP against pgbench's tpcb-like on the same server."""

from __future__ import annotations

import json
import os
import re
import secrets
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.fixtures import POST_TRANSFER_ALONE_DESCRIPTION, connect
from bench.host import BenchHost
from bench.postgres import BenchPostgres
from bench.processes import descendants, run_measured, tree_cpu_seconds

LUA_SCRIPT = Path(__file__).with_name("transfers.lua")
# The ledger function the API calls, run by pgbench straight against the database: how fast our
# own transaction can go with no HTTP, no Python and no host in the way.
POST_TRANSFER_ALONE = "post_transfer"
NPROC = os.cpu_count() or 1


@dataclass
class Cell:
    """One measured run: who, how many clients, what contention, and what it cost."""

    system: str  # "pgbench", "api" or POST_TRANSFER_ALONE
    contention: str  # "low" or "high"
    clients: int
    seconds: float
    completed: int
    refused: int
    p50_ms: float
    p99_ms: float
    generator_cpu: float  # share of the machine (all cores) the load generator used
    host_cpu: float
    postgres_cpu: float

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def run_pgbench(pg: BenchPostgres, database: str, contention: str, clients: int, seconds: float,
                script: Path | None = None) -> Cell:
    """pgbench's built-in tpcb-like (or, with `script`, that script over the prepared protocol, as the
    app's driver runs its statements), per-transaction log kept for p50/p99."""
    workload = ["-f", str(script), "-M", "prepared"] if script else ["-b", "tpcb-like"]
    with tempfile.TemporaryDirectory() as logs:
        prefix = Path(logs) / "tx"
        command = pg.pgbench_command(database, *workload, "-c", str(clients),
                                     "-j", str(min(clients, NPROC)), "-T", str(max(1, round(seconds))),
                                     "-l", f"--log-prefix={prefix}")
        posted_before = _transfers_posted(pg, database) if script else 0
        resident = len(descendants(pg.postmaster_pid()))
        pg_before = tree_cpu_seconds(pg.postmaster_pid(), settle_to=resident)
        measured = run_measured(command)
        pg_after = tree_cpu_seconds(pg.postmaster_pid(), settle_to=resident)  # pgbench's backends reaped
        if measured.returncode != 0:
            raise RuntimeError(f"pgbench failed: {measured.output[-2000:]}")
        latencies_us = [int(line.split()[2]) for log in Path(logs).glob("tx*") for line in log.read_text().splitlines()
                        if line.strip()]
    done = int(re.search(r"number of transactions actually processed: (\d+)", measured.output).group(1))  # type: ignore[union-attr]
    failed = re.search(r"number of failed transactions: (\d+)", measured.output)
    elapsed = max(1, round(seconds))
    tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", measured.output)
    if tps:  # pgbench's own figure excludes connecting; keep its count and its time base
        elapsed = done / float(tps.group(1)) if float(tps.group(1)) else elapsed
    if script and _transfers_posted(pg, database) - posted_before != done:
        # post_transfer answers a refusal with a row too: only postings count.
        raise RuntimeError("pgbench's post_transfer calls did not all post a transfer")
    system = POST_TRANSFER_ALONE if script else "pgbench"
    return Cell(system, contention, clients, elapsed, done, int(failed.group(1)) if failed else 0,
                percentile(latencies_us, 50) / 1000, percentile(latencies_us, 99) / 1000,
                measured.cpu_seconds / (measured.wall_seconds * NPROC), 0.0,
                (pg_after - pg_before) / (measured.wall_seconds * NPROC))


def _transfers_posted(pg: BenchPostgres, database: str) -> int:
    with connect(pg.url(database)) as conn:
        # Only the script's own postings (its description): an API request still in flight when wrk
        # stopped may post during the next cell.
        row = conn.execute("SELECT count(*) FROM transfers WHERE kind = 'transfer' AND description = %s",
                           (POST_TRANSFER_ALONE_DESCRIPTION,)).fetchone()
    return int(row[0]) if row else 0


def run_wrk(host: BenchHost, pg: BenchPostgres, data_file: Path, contention: str, clients: int,
            seconds: float, max_requests_per_thread: int = 0) -> Cell:
    threads = min(clients, NPROC)
    run_id = f"b{secrets.token_hex(4)}c{clients}{contention[0]}"
    command = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{max(1, round(seconds))}s",
               "--timeout", "10s", "-s", str(LUA_SCRIPT), host.url + "/api/transfers", "--",
               str(data_file), str(threads), run_id, str(max_requests_per_thread)]
    host_before, pg_before = tree_cpu_seconds(host.pid), tree_cpu_seconds(pg.postmaster_pid())
    measured = run_measured(command)
    host_after, pg_after = tree_cpu_seconds(host.pid), tree_cpu_seconds(pg.postmaster_pid())
    match = re.search(r"BENCH_RESULT (\{.*\})", measured.output)
    if measured.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed: {measured.output[-2000:]}")
    result = json.loads(match.group(1))
    wall = measured.wall_seconds * NPROC
    return Cell("api", contention, clients, result["duration_us"] / 1e6, result["created"],
                result["refused"] + result["socket_errors"] + result["timeouts"],
                result["p50_us"] / 1000, result["p99_us"] / 1000, measured.cpu_seconds / wall,
                (host_after - host_before) / wall, (pg_after - pg_before) / wall)


def warm_up(host: BenchHost, pg: BenchPostgres, data_file: Path, clients: int, seconds: float) -> None:
    """Opens the pool's connections and lets psycopg prepare its statements before measuring."""
    run_wrk(host, pg, data_file, "low", clients, seconds)
    time.sleep(0.5)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0

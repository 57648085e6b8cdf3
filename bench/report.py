"""docs/benchmarks.md: the machine, the command, every raw number, the ratios and the targets."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.coldstart import ColdStartFigures
from bench.concurrency import DURING_ANONYMOUS, DURING_LOGINS, IDLE, ConcurrencyFigures
from bench.fixtures import PAYEES_PER_SENDER
from bench.history import HistoryFigures, SearchFigures
from bench.login import LoginFigures
from bench.memory import MemoryFigures
from bench.transfers import POST_TRANSFER_ALONE, Cell

TARGET_TRANSFER_RATIO = 0.5
TARGET_TRANSFER_VS_ALONE = 0.7
TARGET_HOST_CPU_MS = 0.8
TARGET_ACCOUNTS_P99_VS_IDLE = 3.0
REPORTED = "reported (no target yet)"
TARGET_LOGIN_OVERHEAD_MS = 10.0
TARGET_UNKNOWN_WITHIN = 0.05
TARGET_HISTORY_RATIO = 1.5
TARGET_IMPORT_MS = 150.0
TARGET_MEMORY_GROWTH = 0.10
TARGET_MEMORY_MB = 150.0


@dataclass
class Report:
    command: str
    smoke: bool
    machine: dict[str, str]
    workers: int
    threads: int
    pool: int
    bcrypt_rounds: int
    only: str = ""  # the sections of a partial run (--only), empty for a whole one
    postgres: dict[str, str] = field(default_factory=dict)
    pgbench_scales: tuple[int, int] = (0, 0)
    cells: list[Cell] = field(default_factory=list)
    login: LoginFigures | None = None
    history: list[HistoryFigures] = field(default_factory=list)
    history_filtered: list[HistoryFigures] = field(default_factory=list)  # the same, every filter at once
    history_fill_seconds: dict[int, float] = field(default_factory=dict)
    history_searches: list[SearchFigures] = field(default_factory=list)  # q: rare, absent, common
    cold_start: ColdStartFigures | None = None
    memory: MemoryFigures | None = None
    concurrency: ConcurrencyFigures | None = None
    elapsed_seconds: float = 0.0


def _first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return "not found"
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr).strip() else "?"


def machine() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")),
               platform.processor() or "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    return {
        "date (UTC)": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "nproc": str(os.cpu_count()),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "CPU": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": _first_line(["wrk", "-v"]).split("Copyright")[0].strip(),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def _merge(cells: list[Cell]) -> Cell:
    """Rounds of one cell: throughput over their total time, the median of their percentiles."""
    seconds = sum(c.seconds for c in cells)
    return Cell(cells[0].system, cells[0].contention, cells[0].clients, seconds, sum(c.completed for c in cells),
                sum(c.refused for c in cells), statistics.median(c.p50_ms for c in cells),
                statistics.median(c.p99_ms for c in cells),
                sum(c.generator_cpu * c.seconds for c in cells) / seconds,
                sum(c.host_cpu * c.seconds for c in cells) / seconds,
                sum(c.postgres_cpu * c.seconds for c in cells) / seconds)


def merged_cells(report: Report) -> dict[tuple[str, str, int], Cell]:
    keys = sorted({(c.system, c.contention, c.clients) for c in report.cells})
    return {key: _merge([c for c in report.cells if (c.system, c.contention, c.clients) == key]) for key in keys}


def transfer_ratio(report: Report, contention: str, clients: int, system: str = "api") -> float | None:
    merged = merged_cells(report)
    ours, base = merged.get((system, contention, clients)), merged.get(("pgbench", contention, clients))
    if ours is None or base is None or not base.per_second:
        return None
    return ours.per_second / base.per_second


def _met(ok: bool | None, target: str = "") -> str:
    if target == REPORTED:
        return ""
    return "n/a" if ok is None else ("**met**" if ok else "**not met**")


def targets(report: Report) -> list[tuple[str, str, str, bool | None]]:
    rows: list[tuple[str, str, str, bool | None]] = []
    ratio = transfer_ratio(report, "low", 8)
    rows.append(("Transfers, 8 clients, low contention / pgbench tpcb-like",
                 f"{ratio:.2f}x" if ratio is not None else "n/a", f">= {TARGET_TRANSFER_RATIO}x",
                 None if ratio is None else ratio >= TARGET_TRANSFER_RATIO))
    merged = merged_cells(report)
    api, alone = merged.get(("api", "low", 8)), merged.get((POST_TRANSFER_ALONE, "low", 8))
    vs_alone = api.per_second / alone.per_second if api and alone and alone.per_second else None
    rows.append((f"Transfers, 8 clients, low contention / `{POST_TRANSFER_ALONE}` alone under pgbench",
                 f"{vs_alone:.2f}x" if vs_alone is not None else "n/a", f">= {TARGET_TRANSFER_VS_ALONE}x",
                 None if vs_alone is None else vs_alone >= TARGET_TRANSFER_VS_ALONE))
    host_ms = _cpu_ms_each(api, api.host_cpu) if api and api.completed else None
    rows.append(("Host CPU per transfer, 8 clients, low contention", f"{host_ms:.2f} ms" if host_ms is not None
                 else "n/a", f"<= {TARGET_HOST_CPU_MS} ms", None if host_ms is None else host_ms <= TARGET_HOST_CPU_MS))
    rows.append(("Transfers, 8 clients, low contention: p50 / p99 over HTTP",
                 f"{api.p50_ms:.1f} / {api.p99_ms:.1f} ms" if api else "n/a", REPORTED, None))
    if report.login:
        rows.append(("Login median minus bcrypt.checkpw median", f"{report.login.overhead_ms:.1f} ms",
                     f"<= {TARGET_LOGIN_OVERHEAD_MS:.0f} ms", report.login.overhead_ms <= TARGET_LOGIN_OVERHEAD_MS))
        rows.append(("Unknown username vs known (median)", f"{report.login.unknown_vs_known * 100:.1f} %",
                     f"<= {TARGET_UNKNOWN_WITHIN * 100:.0f} %", report.login.unknown_vs_known <= TARGET_UNKNOWN_WITHIN))
    for kind, figures in (("History", report.history), ("Filtered history", report.history_filtered)):
        if len(figures) != 2:
            continue
        short, long_ = figures
        for label, attr in (("first page", "first_page_ms"), (f"page after {short.follow} cursors", "deep_page_ms")):
            ratio = getattr(long_, attr) / getattr(short, attr)
            rows.append((f"{kind} {label}: {long_.entries:,} / {short.entries:,} entries", f"{ratio:.2f}",
                         f"<= {TARGET_HISTORY_RATIO}", ratio <= TARGET_HISTORY_RATIO))
    if len(report.history_searches) == 2:
        short_search, long_search = report.history_searches
        for name in short_search.first_page_ms:
            ratio = long_search.first_page_ms[name] / short_search.first_page_ms[name]
            rows.append((f"History search `q`, {name}, first page: {long_search.entries:,} / {short_search.entries:,}"
                         " entries", f"{ratio:.2f}", f"<= {TARGET_HISTORY_RATIO}", ratio <= TARGET_HISTORY_RATIO))
    if report.cold_start:
        cost = report.cold_start.app_cost_ms
        rows.append(("Cold start: import function_app minus import azure.functions", f"{cost:.0f} ms",
                     f"<= {TARGET_IMPORT_MS:.0f} ms", cost <= TARGET_IMPORT_MS))
    if report.concurrency:
        during = report.concurrency.p99_vs_idle(DURING_LOGINS)
        rows.append(("GET /api/accounts p99 while 8 logins run / its idle p99",
                     f"{during:.2f}x" if during is not None else "n/a", f"<= {TARGET_ACCOUNTS_P99_VS_IDLE:.0f}x",
                     None if during is None else during <= TARGET_ACCOUNTS_P99_VS_IDLE))
        anonymous = report.concurrency.probe(DURING_ANONYMOUS)
        vs_idle = report.concurrency.p99_vs_idle(DURING_ANONYMOUS)
        if anonymous is not None and vs_idle is not None:
            rows.append(("GET /api/accounts p99 while 64 anonymous logins run",
                         f"{anonymous.p99_ms:.1f} ms ({vs_idle:.1f}x idle)", REPORTED, None))
    if report.memory and len(report.memory.checkpoints) >= 3:
        growth, last = report.memory.growth, report.memory.checkpoints[-1][1]
        rows.append(("Worker RSS growth between the two checkpoints", f"{growth * 100:+.1f} %",
                     f"<= {TARGET_MEMORY_GROWTH * 100:.0f} %", growth <= TARGET_MEMORY_GROWTH))
        rows.append(("Worker RSS after the last checkpoint", f"{last:.0f} MB", f"<= {TARGET_MEMORY_MB:.0f} MB",
                     last <= TARGET_MEMORY_MB))
    return rows


def summary_lines(report: Report) -> list[str]:
    return [f"{name}: {value} (target {target}) {_met(ok, target).strip('*')}".rstrip()
            for name, value, target, ok in targets(report)]


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _cpu_ms_each(cell: Cell, share: float) -> float:
    """CPU milliseconds per completed transaction, from a share of the whole machine."""
    return share * int(os.cpu_count() or 1) * cell.seconds * 1000 / cell.completed


def _per_completed(cell: Cell, share: float) -> str:
    return f"{_cpu_ms_each(cell, share):.2f}" if cell.completed else ""


def _pct(share: float) -> str:
    return f"{share * 100:.1f} %"


def render(report: Report) -> str:
    out: list[str] = ["# Benchmarks", ""]
    if report.smoke:
        out += ["> Smoke run (tiny sizes): checks the harness, not the targets.", ""]
    if report.only:
        out += [f"> Partial run (sections: {report.only}): the figures of the other sections are missing.", ""]
    out += ["Written by `make bench` (`python -m bench`, source in `bench/`) in one run: every figure and its",
            "baseline measured side by side on the same machine, so the ratios hold even when the machine is",
            "noisy. Do not edit by hand; run `make bench` again.", ""]
    out += ["## Machine and command", ""]
    out += _table(["", ""], [[k, v] for k, v in report.machine.items()] + [
        ["command", f"`{report.command}`"],
        ["run time", f"{report.elapsed_seconds:.0f} s"],
        ["host", f"`python -m devhost --workers {report.workers} --threads {report.threads}` "
                 f"(DB_POOL_MIN_SIZE = DB_POOL_MAX_SIZE = {report.pool}), access log off, app logs JSON"],
        ["PostgreSQL", "a dedicated pgserver instance (unix socket), " +
         ", ".join(f"{k} {v}" for k, v in sorted(report.postgres.items()))],
    ])
    out += ["", "## Targets", ""]
    out += _table(["figure", "measured", "target", ""], [[n, v, t, _met(ok, t)] for n, v, t, ok in targets(report)])

    out += ["", "## 1. Transfers against pgbench", ""]
    scale, hot_scale = report.pgbench_scales
    out += ["Baseline: pgbench's built-in `tpcb-like` (3 balance updates, a select, a history insert per",
            f"transaction) against the same server: low contention at scale {scale} ({scale} branch rows,",
            f"at least one per client), high contention at scale {hot_scale} ({hot_scale} branch rows, the",
            "analogue of 4 hot accounts). pgbench runs `-j` = min(clients, nproc), simple protocol.",
            "Ours: completed `POST /api/transfers` (201) per second over HTTP through the local host, each",
            "with a bearer token and a fresh Idempotency-Key, generated by `wrk` (`bench/transfers.lua`,",
            "`-t` = min(clients, nproc)). Strong customer authentication is enforced, as in production:",
            "every sender holds an authenticator app and pays a saved payee it marked trusted (`payee_id`),",
            "as a customer's regular payments go, so each transfer runs the whole SCA check and passes",
            "on the trusted-payee exemption without a code. Low contention: many senders (each wrk thread",
            "rotates over its own disjoint share, so no two requests in flight share a sender) paying",
            f"{PAYEES_PER_SENDER} trusted payees each among many receivers. High contention: 4 hot accounts",
            "paying each other in a ring. pgbench and the API alternate cell by",
            "cell; rounds are merged (throughput over their total time, median of their percentiles).",
            f"`{POST_TRANSFER_ALONE}`: the ledger function the API calls, run by pgbench straight against",
            "the app's database (`-M prepared`, as psycopg runs it; the caller's own account, a fresh",
            "Idempotency-Key, the SCA check, random sender/trusted-payee pairs): the ceiling of our own",
            "transaction with no HTTP, Python or host in the way, measured in the same run.",
            "CPU columns: share of the whole machine (all cores) used during the cell by the load",
            "generator (wrk or pgbench, from wait4), the host (all its processes, from /proc) and",
            "PostgreSQL (postmaster, live backends and reaped ones).", ""]
    merged = merged_cells(report)
    rows = []
    for (system, contention, clients), cell in sorted(merged.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
        ratio = transfer_ratio(report, contention, clients, system) if system != "pgbench" else None
        rows.append([system, contention, clients, f"{cell.per_second:.0f}",
                     f"{ratio:.2f}x" if ratio is not None else "", f"{cell.p50_ms:.1f}", f"{cell.p99_ms:.1f}",
                     cell.completed, cell.refused, _pct(cell.generator_cpu),
                     _pct(cell.host_cpu) if system == "api" else "", _pct(cell.postgres_cpu),
                     _per_completed(cell, cell.host_cpu) if system == "api" else "",
                     _per_completed(cell, cell.postgres_cpu)])
    out += _table(["system", "contention", "clients", "per second", "vs pgbench, same contention", "p50 ms", "p99 ms",
                   "completed", "refused/failed", "generator CPU", "host CPU", "PostgreSQL CPU",
                   "host CPU ms each", "PostgreSQL CPU ms each"], rows)
    out += ["", "Raw rounds:", ""]
    out += _table(["system", "contention", "clients", "seconds", "completed", "per second", "p50 ms", "p99 ms"],
                  [[c.system, c.contention, c.clients, f"{c.seconds:.2f}", c.completed, f"{c.per_second:.1f}",
                    f"{c.p50_ms:.1f}", f"{c.p99_ms:.1f}"] for c in report.cells])

    if report.login:
        lg = report.login
        out += ["", "## 2. Login", ""]
        out += ["Sequential logins over HTTP (one client: the standard library's, on one kept-alive connection),",
                f"{lg.samples} samples each, interleaved with a bare",
                f"`bcrypt.checkpw` at the configured cost ({lg.rounds}) in the bench process. Each unknown",
                "username is a fresh one (the throttle would refuse a repeated one).", ""]
        out += _table(["", "median ms"], [
            ["POST /api/auth/login, known user, right password (200)", f"{lg.known_ms:.1f}"],
            ["POST /api/auth/login, unknown username (401)", f"{lg.unknown_ms:.1f}"],
            [f"bcrypt.checkpw at cost {lg.rounds}", f"{lg.checkpw_ms:.1f}"],
            ["login minus checkpw", f"{lg.overhead_ms:.1f}"],
            ["unknown vs known", f"{lg.unknown_vs_known * 100:.1f} %"],
        ])
        out += ["", "bcrypt's own time varies by a few ms from process to process on a shared machine, so a",
                "difference near zero (or below it) means the login's own work is within that noise."]

    if report.history:
        out += ["", "## 3. History", ""]
        first = report.history[0]
        out += [f"`GET /api/transactions?account=...&limit={first.page_size}` for an account with each history",
                f"size ({first.samples} samples each, first and deep page interleaved). The deep page is the one",
                f"reached by following `next_cursor` {first.follow} times. Histories are bulk-inserted deposits",
                "(a transfers row and both ledger legs each, balances moved to match) with generate_series.", ""]
        out += _table(["entries", "fill (s)", "first page median ms", f"page {first.follow + 1} median ms"],
                      [[f"{h.entries:,}", f"{report.history_fill_seconds.get(h.entries, 0):.1f}",
                        f"{h.first_page_ms:.2f}", f"{h.deep_page_ms:.2f}"] for h in report.history])
        if len(report.history) == 2:
            short, long_ = report.history
            out += ["", f"Ratios {long_.entries:,} / {short.entries:,}: first page "
                        f"{long_.first_page_ms / short.first_page_ms:.2f}, deep page "
                        f"{long_.deep_page_ms / short.deep_page_ms:.2f}."]
        out += ["", "Query plans (`EXPLAIN (ANALYZE, BUFFERS)` of the app's own query, shared/history.py):"]
        for h in report.history:
            for label, plan in h.plans.items():
                out += ["", f"{h.entries:,} entries, {label}:", "", "```", plan, "```"]
    if report.history_filtered:
        out += _filtered_history(report)
    if report.history_searches:
        out += _history_searches(report)

    if report.cold_start:
        cs = report.cold_start
        out += ["", "## 4. Cold start", ""]
        out += _table(["", "median ms"], [
            [f"`python -c \"import function_app\"` ({cs.processes} fresh processes)", f"{cs.app_import_ms:.0f}"],
            [f"`python -c \"import azure.functions\"` ({cs.processes} fresh processes)",
             f"{cs.functions_import_ms:.0f}"],
            ["difference: the app's own import cost", f"{cs.app_cost_ms:.0f}"],
            [f"fresh host process to first 200 of GET /api/accounts ({len(cs.first_accounts_ms)} starts; pool "
             "creation and first connection included)",
             f"{statistics.median(cs.first_accounts_ms):.0f}" if cs.first_accounts_ms else "n/a"],
        ])
        out += ["", "`python -X importtime -c \"import function_app\"`, top ten by cumulative time:", ""]
        out += _table(["cumulative us", "self us", "module"],
                      [[c, s, f"`{m.strip()}`"] for c, s, m in cs.importtime_top])

    if report.memory:
        mem = report.memory
        out += ["", "## 5. Memory", ""]
        out += ["One host worker (`--workers 1`, so the process itself serves) under a rotating mix of",
                "GET /api/accounts, GET /api/me, GET /api/transactions, POST /api/transfers and GET /api/health",
                f"from wrk with 8 connections (`bench/mixed.lua`); {mem.failed} answers of 400 or more; "
                f"{mem.seconds:.0f} s of load.", ""]
        out += _table(["requests answered", "RSS MB"], [[f"{n:,}", f"{rss:.1f}"] for n, rss in mem.checkpoints])
    if report.concurrency:
        out += _concurrency(report.concurrency, report.bcrypt_rounds)
    out += _gap(report)
    out += ["", NOTES]
    return "\n".join(out) + "\n"


def _concurrency(figures: ConcurrencyFigures, rounds: int) -> list[str]:
    out = ["", "## 6. Concurrency", ""]
    out += [f"Same host as above, bcrypt cost {rounds}. Generated by `wrk` (`bench/requests.lua`, `-t` =",
            "min(clients, nproc), 30 s timeout); p50/p99 are wrk's over every answer, whatever its status.",
            "Each run starts once the host is idle (a login wrk gave up on still runs its bcrypt).", ""]
    out += _table(["request", "sent by", "clients", "seconds", "answered", "per second", "p50 ms", "p99 ms",
                   "answers by status"],
                  [[f"`{load.name}`", load.note, load.clients, f"{load.seconds:.1f}", load.answered,
                    f"{load.per_second:.1f}", f"{load.p50_ms:.1f}",
                    f"{load.p99_ms:.1f}", load.status_text()] for load in figures.loads])
    out += ["", "`GET /api/accounts` from one client (the standard library's, one kept-alive connection),",
            "one request after another, alone and then while wrk sends logins beside it: 8 clients logging",
            "in as known users with the right password, then 64 clients each sending a fresh unknown",
            "username (as a credential-stuffing client would; the host may answer some with 429 or 503 once",
            "it limits them). The probe starts once every background client has a login in flight.", ""]
    idle = figures.probe(IDLE)
    rows = []
    for probe in figures.probes:
        ratio = figures.p99_vs_idle(probe.condition) if probe is not idle else None
        background = probe.background
        rows.append([probe.condition, probe.samples, f"{probe.p50_ms:.2f}", f"{probe.p99_ms:.2f}",
                     f"{ratio:.2f}x" if ratio is not None else "",
                     f"{background.per_second:.1f}" if background else "",
                     background.status_text() if background else ""])
    out += _table(["GET /api/accounts", "samples", "p50 ms", "p99 ms", "p99 vs idle", "background logins per second",
                   "background answers by status"], rows)
    return out


def _gap(report: Report) -> list[str]:
    """This run's own figures for the 8-client, low-contention cell: where the time went."""
    merged = merged_cells(report)
    api, alone, base = (merged.get((system, "low", 8)) for system in ("api", POST_TRANSFER_ALONE, "pgbench"))
    if not (api and alone and base and api.completed and alone.completed and base.completed):
        return []
    cores = int(os.cpu_count() or 1)
    alone_ratio = alone.per_second / base.per_second
    return ["", "## In this run: where the 8-client transfer figure stands", "",
            f"- pgbench tpcb-like: {base.per_second:.0f} per second. `{POST_TRANSFER_ALONE}` alone (the API's own",
            f"  transaction, no HTTP, no Python): {alone.per_second:.0f} per second, "
            f"{alone_ratio:.2f}x tpcb-like, with "
            f"{_cpu_ms_each(alone, alone.postgres_cpu):.2f} ms of PostgreSQL CPU each.",
            f"- Through the API: {api.per_second:.0f} per second, "
            f"{api.per_second / base.per_second:.2f}x tpcb-like and "
            f"{api.per_second / alone.per_second:.2f}x `{POST_TRANSFER_ALONE}` alone, with "
            f"{_cpu_ms_each(api, api.host_cpu):.2f} ms of host CPU",
            f"  and {_cpu_ms_each(api, api.postgres_cpu):.2f} ms of PostgreSQL CPU per transfer, on {cores} cores "
            "shared by the load generator, the host and PostgreSQL.",
            f"- The database work of a transfer allows about {alone_ratio:.2f}x; the rest of "
            "the gap is the host's CPU per request (next section)."]


NOTES = """## What the profile showed, and what changed

Profiles: py-spy (`py-spy record --gil -p <worker>`: only the thread holding the GIL is sampled,
so this is the Python work) on a host worker under the 8-client transfer load; cProfile over the
transfer handler called in-process (no host); `perf record` and `pg_stat_activity` sampling on
PostgreSQL; pgbench running variants of `post_transfer` side by side with tpcb-like.

Changes:

- **JWT signature checks repeated for the same token** (an eighth of the request's Python time):
  `shared/tokens.py` keeps the tokens a worker has verified (bounded, keyed by the whole token)
  until their `exp`.
- **The success path of login waited for the disk twice.** The throttle row's removal after a right
  password commits without waiting for the WAL flush (`synchronous_commit` off for that one
  statement): lost in a crash, it would only leave a failed-attempt count that expires with its
  window.
- **Three round trips per transfer, now one.** The pool pinged every connection it handed out (an
  empty query), the edge read the caller's role and active flag, then `post_transfer` ran. Now
  `post_transfer` checks that the caller is active itself, in the transaction that moves the
  money (`migrations/0002_post_transfer_checks_caller.sql`, now `R__post_transfer.sql`; a
  deactivated user's transfer gets 401, tested at the integration and API tiers), and the pool
  pings a connection only when in doubt:
  its socket has something to read (a server ending a session sends an error and closes it) or it
  sat unused for over 5 s. The database-restart fault test still passes (first read 0.14 s after
  the database returned).
- **Account locks `FOR NO KEY UPDATE`** instead of `FOR UPDATE`: the level a balance update needs;
  it does not block other transactions' foreign-key checks on the same accounts.
- **The host's hand-off:** the worker thread settles the event loop's future itself instead of
  `run_in_executor`'s two chained futures, and the local host runs on uvloop where installed.
- **The request log line:** `makeRecord` + `handle` instead of `logger.log`, which walked the stack.
- **Account-number check digits:** one `str.translate` instead of a conversion per character.

Measured along the way (8 clients, low contention, a quick harness alternating pgbench and the
API): the API went from about 440 to 500-600 transfers per second while pgbench stayed at
1,500-1,850, and the median time inside the app's handler fell from 14 ms to 7.5 ms. The tables
above are this run's.

Tried and left out:

- **A leaner `post_transfer`** (both accounts locked and read in one statement, one UPDATE for both
  balances, the transfer, its legs and the key in one statement): pgbench could not tell it apart
  (1,605-1,629 against 1,234-1,653 calls per second, `-M prepared`), so the function keeps the
  shape that reads like the rules.
- **Dropping the ledger's foreign keys:** about 25 % more `post_transfer` calls per second under
  pgbench (1,485 against 1,189), since each posting runs eight foreign-key checks. Kept: they are
  what guarantees that every entry names a real transfer and real accounts.
- **Other host shapes** (2 workers x 4 threads, 3x3, 3x4, 4x2 against 2x8): none better within the
  machine's noise.

What stands in the way of 0.5x: the two cores, which pgbench's client, the host and PostgreSQL
share, and the CPU each transfer takes from them on both sides.

- **PostgreSQL's side:** a posting does more than tpcb-like (an advisory lock and a lookup for
  the Idempotency-Key, the caller's active flag, both accounts locked in id order, a transfer row,
  two ledger entries, the key row: six index entries and eight foreign-key checks against tpcb's
  three updates, a select and an insert into an unindexed table). `post_transfer` alone costs
  PostgreSQL about 1.5-1.7x tpcb-like's CPU and runs at two thirds to three quarters of its rate
  (the section above): that is the ceiling for any host.
- **The host's side:** about as much CPU again per transfer (the CPU columns), though PostgreSQL
  is rarely what a request waits for: under the API's load its 16 backends were idle
  (`ClientRead`, sampled every 3 ms) 87 % of the time. Of the host's Python time (GIL samples)
  the handler is about 60 % (psycopg's one round trip 15 %, the log line 13 %, body parsing and
  validation 7 %, the pool 6 %, the response 4 %); uvicorn, the event loop and the hand-off
  between threads are the rest.

Then the handlers became async (`async def` triggers on the worker's event loop, psycopg's
`AsyncConnectionPool`, a transfer still one statement and one round trip): no hand-off between
threads, no GIL contention. In a run just before this one (2026-12-02, same machine, one worker,
8 clients) py-spy found the worker's samples spent: the handler about 49 % (psycopg's execute
25 %, of which 14 % is its send of the prepared statement, mostly the socket write), uvicorn's
write of the answer 9 %, the log line 5 %, body parsing and validation 4 %, the pool 3 %; the
event loop and HTTP parsing the rest. What remains per request is a read and two writes on two
sockets and a few hundred microseconds of Python for JSON, validation and the log line; the
host's CPU per transfer (its column above) stays near 1 ms when the machine's two cores are
shared with PostgreSQL and the load generator, so 0.5x tpcb-like (2 cores for pgbench's client and
PostgreSQL alone) is out of reach for a Python host on this machine; in Azure the host runs on
instances of its own.
"""


def _filtered_history(report: Report) -> list[str]:
    figures = report.history_filtered
    first = figures[0]
    query = "&".join(f"{key}={value}" for key, value in first.filters.items())
    out = ["", "### Filtered history", "",
           f"The same pages with every filter at once: `GET /api/transactions?account=...&limit={first.page_size}"
           f"&{query}`. Each filter matches every bench entry, so this is the cost of the filtered walk of the",
           "(account_id, counterparty_account_id, created_at, id) index, not of rare matches: a filter that few",
           "entries pass (a narrow amount) reads about page size / share matching rows of the period for a page",
           "(shared/repositories/history_filters.py); rare words in `q` are found by their index (History search",
           "below).", ""]
    out += _table(["entries", "first page median ms", f"page {first.follow + 1} median ms"],
                  [[f"{h.entries:,}", f"{h.first_page_ms:.2f}", f"{h.deep_page_ms:.2f}"] for h in figures])
    if len(figures) == 2:
        short, long_ = figures
        out += ["", f"Ratios {long_.entries:,} / {short.entries:,}: first page "
                    f"{long_.first_page_ms / short.first_page_ms:.2f}, deep page "
                    f"{long_.deep_page_ms / short.deep_page_ms:.2f}."]
    out += ["", "Query plans of the filtered page:"]
    for h in figures:
        for label, plan in h.plans.items():
            out += ["", f"{h.entries:,} entries, {label}:", "", "```", plan, "```"]
    return out


def _history_searches(report: Report) -> list[str]:
    figures = report.history_searches
    names = list(figures[0].first_page_ms)
    out = ["", "### History search", "",
           "`GET /api/transactions?account=...&limit=50&from=...&to=...&q=WORD` over the whole period, first page:",
           "a word one entry holds, a word none holds, a word every entry holds (bench/history.py SEARCHES).",
           "Words are found by the account's newest entries in index order when they hold a page of matches,",
           "otherwise by the GIN index of migration 0016 (shared/repositories/history.py).", ""]
    out += _table(["entries", *[f"{name} median ms" for name in names], "items on the page"],
                  [[f"{h.entries:,}", *[f"{h.first_page_ms[name]:.2f}" for name in names],
                    " / ".join(str(h.items[name]) for name in names)] for h in figures])
    if len(figures) == 2:
        short, long_ = figures
        out += ["", f"Ratios {long_.entries:,} / {short.entries:,}: " + ", ".join(
            f"{name} {long_.first_page_ms[name] / short.first_page_ms[name]:.2f}" for name in names) + "."]
    out += ["", "Query plans of the searches:"]
    for h in figures:
        for label, plan in h.plans.items():
            out += ["", f"{h.entries:,} entries, {label}:", "", "```", plan, "```"]
    return out

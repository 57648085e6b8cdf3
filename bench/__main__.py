"""`python -m bench`: every figure of docs/benchmarks.md in one run, then the report.

    python -m bench                  # the full run (make bench), ~10-15 minutes on 2 cores
    python -m bench --smoke --out X  # seconds per figure: checks the harness works (tests/bench)
    python -m bench --only concurrency --out X  # some sections only (full sizes), a partial report
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shlex
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from bench.concurrency import ConcurrencyFigures
    from bench.fixtures import Customer
    from bench.host import BenchHost


@dataclass(frozen=True)
class Size:
    seconds: float = 8  # per transfer cell and round
    rounds: int = 2  # pgbench and the API alternate, cell by cell, this many times
    clients: tuple[int, ...] = (1, 8, 32)
    senders: int = 256
    receivers: int = 256
    pgbench_scale: int = 32  # at least the largest client count: one branch row per client
    pgbench_hot_scale: int = 4  # four branch rows: pgbench's own "4 hot accounts"
    login_samples: int = 41
    history_sizes: tuple[int, int] = (10_000, 1_000_000)
    history_page: int = 50
    history_follow: int = 100
    history_samples: int = 30
    import_processes: int = 10
    host_starts: int = 3
    memory_requests: tuple[int, int] = (10_000, 100_000)
    concurrent_seconds: float = 10  # login and history pages at 32 clients, each
    probe_samples: int = 400  # GET /api/accounts, idle and beside logins
    probe_seconds: float = 15  # at most this long per probe (a starved one answers slowly)
    probe_ramp_seconds: float = 1.5  # the background logins under way before the probe starts


FULL = Size()
SMOKE = Size(seconds=1, rounds=1, senders=16, receivers=16, pgbench_scale=1, pgbench_hot_scale=1,
             login_samples=3, history_sizes=(300, 3_000), history_page=2, history_samples=3,
             import_processes=2, host_starts=1, memory_requests=(100, 400), concurrent_seconds=1,
             probe_samples=20, probe_seconds=2, probe_ramp_seconds=0.3)


SECTIONS = ("transfers", "login", "history", "concurrency", "coldstart", "memory")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: seconds per figure")
    parser.add_argument("--out", type=Path, default=None, help="the report (default docs/benchmarks.md)")
    parser.add_argument("--only", type=lambda text: text.split(","), default=None, metavar="SECTION[,SECTION]",
                        help="run only these sections (" + ", ".join(SECTIONS) + "); needs --out")
    parser.add_argument("--workers", type=int, default=2, help="host worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker (default 8)")
    parser.add_argument("--pool", type=int, default=None, help="DB_POOL_MAX_SIZE per worker (default: threads)")
    parser.add_argument("--seconds", type=float, default=None, help="override seconds per transfer cell")
    args = parser.parse_args(argv)
    if args.only and (set(args.only) - set(SECTIONS) or args.out is None):
        parser.error(f"--only takes sections among {', '.join(SECTIONS)} and writes a partial report: give --out")
    args.only = set(args.only or SECTIONS)
    args.out = args.out or ROOT / "docs" / "benchmarks.md"
    return args


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def main(argv: list[str] | None = None) -> int:
    warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR under pgserver
    args = parse_args(argv)
    size = SMOKE if args.smoke else FULL
    if args.seconds:
        size = replace(size, seconds=args.seconds)
    pool = args.pool or args.threads
    rounds = int(os.environ.get("BCRYPT_ROUNDS") or 12) if not args.smoke else 4

    import bcrypt

    from bench import coldstart, fixtures, history, login, memory, report, transfers
    from bench.host import BenchHost, host_environment
    from bench.postgres import APP_DATABASE, PGBENCH_DATABASE, PGBENCH_HOT_DATABASE, BenchPostgres
    from ops.migrations import apply_migrations
    from shared.passwords import PasswordHasher
    from shared.tokens import TokenService

    started = time.time()
    work = Path(tempfile.mkdtemp(prefix="iebank-bench-"))
    given = sys.argv[1:] if argv is None else argv
    result = report.Report(command=" ".join(["python -m bench", *map(shlex.quote, given)]),
                           smoke=args.smoke, machine=report.machine(), workers=args.workers,
                           threads=args.threads, pool=pool, bcrypt_rounds=rounds,
                           only="" if args.only == set(SECTIONS) else ", ".join(sorted(args.only)))
    pg = BenchPostgres().start()
    hosts: list[BenchHost] = []
    try:
        log(f"PostgreSQL in {pg.data_dir}; migrating and initialising pgbench (scale {size.pgbench_scale})")
        result.postgres = pg.settings()
        apply_migrations(pg.url())
        if "transfers" in args.only:
            pg.pgbench_init(PGBENCH_DATABASE, size.pgbench_scale)
            pg.pgbench_init(PGBENCH_HOT_DATABASE, size.pgbench_hot_scale)
        result.pgbench_scales = (size.pgbench_scale, size.pgbench_hot_scale)

        signing_key = secrets.token_urlsafe(48)
        tokens = TokenService(signing_key, None, "iebank", "iebank-api", 86_400)
        password = "Bench-pass-" + secrets.token_hex(4) + "1"
        cheap_hash = bcrypt.hashpw(b"not used for login", bcrypt.gensalt(4)).decode()
        log("customers, accounts and tokens")
        senders = fixtures.create_customers(pg.url(), tokens, size.senders, "s", cheap_hash, 10**10)
        receivers = fixtures.create_customers(pg.url(), tokens, size.receivers, "r", cheap_hash, 1)
        hot = fixtures.create_customers(pg.url(), tokens, 4, "h", cheap_hash, 10**10)
        login_hash = asyncio.run(PasswordHasher(rounds, threads=1).hash(password))
        (login_user,) = fixtures.create_customers(pg.url(), tokens, 1, "l", login_hash, 1)
        login_users = fixtures.create_customers(pg.url(), tokens, 32, "c", login_hash, 1)  # same password, one hash
        short, long_ = (fixtures.create_customers(pg.url(), tokens, 1, f"t{n}", cheap_hash, 1)[0]
                        for n in size.history_sizes)
        low_data, hot_data, alone_script = work / "low.lua", work / "hot.lua", work / "post_transfer.sql"
        fixtures.hold_second_factors(pg.url(), senders + hot)
        senders = fixtures.trust_payees(pg.url(), senders, [fixtures.receivers_of(i, receivers)
                                                            for i in range(len(senders))])
        hot = fixtures.trust_payees(pg.url(), hot, [[hot[(i + 1) % len(hot)].account] for i in range(len(hot))])
        fixtures.write_lua_data(low_data, senders, pairs=False)
        fixtures.write_post_transfer_script(pg.url(), alone_script, senders, receivers)
        fixtures.write_lua_data(hot_data, hot, pairs=True)
        histories = ((short, size.history_sizes[0]), (long_, size.history_sizes[1])) if "history" in args.only else ()
        for customer, entries in histories:
            log(f"history: {entries:,} entries")
            fill_started = time.perf_counter()
            fixtures.fill_history(pg.url(), customer.account, entries)
            result.history_fill_seconds[entries] = time.perf_counter() - fill_started
        with fixtures.connect(pg.url()) as conn:
            conn.execute("CHECKPOINT")  # the fills' dirty pages are not written during the figures

        env = host_environment(pg.url(), signing_key, BCRYPT_ROUNDS=str(rounds), DB_POOL_MIN_SIZE=str(pool),
                               DB_POOL_MAX_SIZE=str(pool))
        host = BenchHost(env, work / "host.log", workers=args.workers, threads=args.threads)
        hosts.append(host)
        host.start()
        log(f"host {host.url}: {args.workers} workers x {args.threads} threads, pool {pool}; warming up")
        transfers.warm_up(host, pg, low_data, max(size.clients), max(1.0, size.seconds / 2))
        for clients in size.clients if "transfers" in args.only else ():
            for contention, data, database in (("low", low_data, PGBENCH_DATABASE),
                                               ("high", hot_data, PGBENCH_HOT_DATABASE)):
                for _ in range(size.rounds):
                    log(f"transfers: {contention} contention, {clients} clients")
                    result.cells.append(transfers.run_pgbench(pg, database, contention, clients, size.seconds))
                    result.cells.append(transfers.run_wrk(host, pg, data, contention, clients, size.seconds))
                    if contention == "low":
                        result.cells.append(transfers.run_pgbench(pg, APP_DATABASE, contention, clients, size.seconds,
                                                                  script=alone_script))

        if "login" in args.only:
            log(f"login at bcrypt cost {rounds}")
            result.login = login.run_login(host.url, login_user.username, password, rounds, size.login_samples)
        for customer, entries in histories:
            log(f"history pages: {entries:,} entries")
            result.history.append(history.run_history(host.url, pg.url(), customer, entries, size.history_page,
                                                      size.history_follow, size.history_samples))
            log(f"filtered history pages: {entries:,} entries")
            result.history_filtered.append(history.run_history(
                host.url, pg.url(), customer, entries, size.history_page, size.history_follow,
                size.history_samples, history.FILTERS))
            log(f"history searches: {entries:,} entries")
            result.history_searches.append(history.run_searches(host.url, pg.url(), customer, entries,
                                                                size.history_page, size.history_samples))
        if "concurrency" in args.only:
            result.concurrency = run_concurrency(host, size, work, login_users, senders, password)
        host.stop()

        one_worker_env = host_environment(pg.url(), signing_key, BCRYPT_ROUNDS=str(rounds))
        if "coldstart" in args.only:
            log("cold start: imports")
            result.cold_start = cold = coldstart.measure_imports(size.import_processes)
            for n in range(size.host_starts):
                log("cold start: fresh host to first GET /api/accounts")
                fresh = BenchHost(one_worker_env, work / f"cold-{n}.log", workers=1, threads=args.threads)
                hosts.append(fresh)
                cold.first_accounts_ms.append(coldstart.first_accounts(fresh, senders[0].token))

        if "memory" in args.only:
            log(f"memory: {size.memory_requests[1]:,} mixed requests to one worker")
            one = BenchHost(one_worker_env, work / "memory.log", workers=1, threads=args.threads)
            hosts.append(one)
            one.start()
            result.memory = memory.run_memory(one, low_data, *size.memory_requests)
            one.stop()
    finally:
        for each in hosts:
            each.stop()
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    result.elapsed_seconds = time.time() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report.render(result))
    log(f"wrote {args.out} in {result.elapsed_seconds:.0f} s")
    for line in report.summary_lines(result):
        print("  " + line)
    return 0


def run_concurrency(host: BenchHost, size: Size, work: Path, login_users: list[Customer], senders: list[Customer],
                    password: str) -> ConcurrencyFigures:
    """Figure 6: login and a history page at 32 clients; GET /api/accounts idle and beside logins."""
    from bench import concurrency as c

    figures = c.ConcurrencyFigures()
    log("concurrency: login at 32 clients")
    figures.loads.append(c.run_load(host, c.login_items(login_users, password), 32, size.concurrent_seconds, work,
                                    "32 known users, right password"))
    log("concurrency: history page at 32 clients")
    figures.loads.append(c.run_load(host, c.history_items(senders, size.history_page), 32, size.concurrent_seconds,
                                    work, f"first page of {size.history_page} entries, {len(senders)} customers"
                                          " (the transfer senders), each with its own token"))
    token, probe = senders[0].token, (size.probe_samples, size.probe_seconds)
    log("concurrency: GET /api/accounts idle, beside 8 logins, beside 64 anonymous logins")
    figures.probes.append(c.probe_accounts(host, token, *probe))
    figures.probes.append(c.probe_accounts(host, token, *probe, condition=c.DURING_LOGINS,
                                           background=(c.login_items(login_users[:8], password), 8, work),
                                           ramp_seconds=size.probe_ramp_seconds))
    figures.probes.append(c.probe_accounts(host, token, *probe, condition=c.DURING_ANONYMOUS,
                                           background=(c.anonymous_login_items(password), 64, work),
                                           ramp_seconds=size.probe_ramp_seconds))
    return figures


if __name__ == "__main__":
    sys.exit(main())

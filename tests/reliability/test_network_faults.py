"""Faults on the network between the host and PostgreSQL while transfers run: added latency, then
connections reset at random moments (some of them after the server committed a transfer and
before its answer came back), then every connection reset at once, several times. The clients
retry each transfer under its Idempotency-Key until they get a final answer. Nothing is lost,
nothing is moved twice, and the API says 503 (with Retry-After), never another 5xx."""

import random
import threading
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.conftest import LocalHost
from tests.reliability import figures
from tests.reliability.bank import Bank, Job
from tests.reliability.tcp_proxy import TcpProxy

CLIENTS = 8
LATENCY_SECONDS = 0.01  # per chunk, each way: a query and its answer each wait this long
RESET_SHARE = 0.02  # of the chunks, reset instead of forwarded
BLIPS = 3  # every connection reset at once, this many times, 2 s apart
RECOVERY_LIMIT_SECONDS = 3


class KeyedBank(Bank):
    """The bank workload with a key on every transfer (a client that retries must send one) and
    no concurrent copies: exactly CLIENTS requests in flight at any time."""

    def plan(self, rng: random.Random) -> Job:
        job = super().plan(rng)
        key = job.key or str(uuid.UUID(int=rng.getrandbits(128), version=4))
        return Job(job.customer, job.body, key, copies=1, later_retry=job.later_retry)


@pytest.fixture
def proxy(database_url: str) -> Iterator[TcpProxy]:
    proxy = TcpProxy(database_url).start()
    yield proxy
    proxy.close()


def test_latency_and_connection_resets_mid_transfer_lose_nothing_and_move_nothing_twice(
        proxy, database_url, tmp_path):
    started = time.monotonic()
    # The host reaches PostgreSQL only through the proxy; the books are checked directly.
    host = LocalHost(proxy.url_for(database_url), tmp_path / "host.log", workers=2)
    stop, result = threading.Event(), {}
    try:
        host.start()
        bank = KeyedBank.open(host.base_url, database_url)
        thread = threading.Thread(target=lambda: result.update(figures=bank.run(
            10**9, clients=CLIENTS, seed=int(time.time()), stop=stop, pause=lambda: time.sleep(0.1))), daemon=True)
        thread.start()
        time.sleep(2)
        proxy.latency_seconds = LATENCY_SECONDS
        latency_at = time.monotonic()
        time.sleep(4)
        proxy.reset_share = RESET_SHARE
        resets_at = time.monotonic()
        time.sleep(8)
        proxy.reset_share = 0.0
        reset_at_once = []
        for _ in range(BLIPS):
            reset_at_once.append(proxy.reset_all())
            time.sleep(2)
        proxy.latency_seconds = 0.0
        healed_at = time.monotonic()
        time.sleep(RECOVERY_LIMIT_SECONDS + 3)
        stop.set()
        thread.join(timeout=120)
        assert not thread.is_alive(), "clients still waiting for answers"
        run = result["figures"]
    finally:
        stop.set()
        host.stop()

    answers = bank.answers()
    unavailable = [a for a in answers if a.status == 503]
    late_failures = [a for a in answers if a.sent_at >= healed_at + RECOVERY_LIMIT_SECONDS and a.status in (0, 503)]
    retried_to_success = [job for job in bank.jobs if any(a.status in (0, 503) for a in job.answers)
                          and (job.final() is not None and job.final().status == 201)]
    with_latency = [a.seconds for a in answers if latency_at <= a.sent_at < resets_at and a.status == 201]
    before = [a.seconds for a in answers if a.sent_at < latency_at and a.status == 201]
    lost_answers = _posted_by_an_attempt_whose_answer_was_lost(bank, database_url)
    stats = proxy.stats
    invariants = bank.check()
    invariants |= {
        "every transfer got a final answer (201 or a 4xx refusal)": all(job.final() for job in bank.jobs),
        "every 503 carries Retry-After": all(a.retry_after for a in unavailable),
        "no request hung past the host's 30 s timeout": run.slowest_request_seconds < 30,
        f"requests sent {RECOVERY_LIMIT_SECONDS} s after the network healed all succeed": not late_failures,
    }
    figures.record("faults-network", "Latency and connection resets between the host and PostgreSQL "
                   f"(TCP proxy, {CLIENTS} clients, host with 2 workers)", {
        "transfers": run.transfers,
        "requests": run.requests,
        "retries with the same Idempotency-Key": run.retries_same_key,
        "latency added per chunk, each way (ms)": round(LATENCY_SECONDS * 1000),
        "median transfer before / with the latency (ms)":
            f"{_median_ms(before)} / {_median_ms(with_latency)}",
        "share of chunks reset at random": RESET_SHARE,
        "connections through the proxy": stats.connections,
        "connections reset": stats.resets,
        "of which with a query in flight": stats.resets_with_query_in_flight,
        "of which dropping the server's answer": stats.replies_dropped,
        "all connections reset at once (connections each time)": reset_at_once,
        "answers by status": dict(sorted(run.statuses.items())),
        "503 answers (all with Retry-After)": len(unavailable),
        "transfers that met a fault and then got their 201": len(retried_to_success),
        "of which posted by an attempt whose answer was lost (the retry got that transfer)": lost_answers,
        "last failed request after the network healed (s)":
            round(max([0.0] + [a.sent_at - healed_at for a in answers if a.status in (0, 503)]), 2),
        "slowest request (s)": round(run.slowest_request_seconds, 2),
        "suite time (s)": round(time.monotonic() - started, 1),
    }, invariants)
    assert all(invariants.values()), [name for name, ok in invariants.items() if not ok]
    # The faults happened where they matter, and the clients saw them.
    assert stats.resets_with_query_in_flight > 0 and stats.replies_dropped > 0, stats
    assert all(count > 0 for count in reset_at_once), reset_at_once
    assert unavailable, "no fault reached a client as 503"
    assert retried_to_success, "no transfer was retried through a fault to its 201"
    assert lost_answers > 0, "no committed transfer lost its answer: the retry-after-commit case was not shown"
    assert len(with_latency) > 10 and _median_ms(with_latency) > _median_ms(before), "the latency was not felt"


def _posted_by_an_attempt_whose_answer_was_lost(bank: Bank, database_url: str) -> int:
    """Transfers whose first 201 came after a 503 (or no answer) and that the database holds from
    before that 201's request was sent: an earlier attempt posted them, its answer never arrived,
    and the retry was answered with that transfer instead of posting another."""
    wall = time.time() - time.monotonic()  # PostgreSQL's now() is this machine's clock
    retried_after = {}
    for job in bank.jobs:
        first = next((i for i, a in enumerate(job.answers) if a.status == 201), None)
        if first and any(a.status in (0, 503) for a in job.answers[:first]):
            retried_after[job.answers[first].transfer_id] = wall + job.answers[first].sent_at
    with psycopg.connect(database_url) as conn:
        created = conn.execute("SELECT id::text, extract(epoch FROM created_at) FROM transfers WHERE id::text = ANY(%s)",
                               (list(retried_after),)).fetchall()
    return sum(1 for transfer_id, epoch in created if float(epoch) < retried_after[transfer_id])


def _median_ms(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return round(ordered[len(ordered) // 2] * 1000, 1) if ordered else 0.0

"""The bank test: concurrent transfers with retries over HTTP never create or lose money."""

import time

from tests.reliability import figures
from tests.reliability.bank import Bank
from tests.reliability.conftest import bank_test_transfers


def test_concurrent_transfers_with_retries_keep_every_invariant(two_worker_host, database_url):
    started = time.monotonic()
    bank = Bank.open(two_worker_host.base_url, database_url)
    result = bank.run(bank_test_transfers(), clients=16)
    invariants = bank.check()
    figures.record("bank", "Bank test (16 clients, 6 accounts of 3 customers, local host with 2 workers)", {
        "transfers": result.transfers,
        "requests": result.requests,
        "retries with the same Idempotency-Key": result.retries_same_key,
        "of which concurrent duplicates": result.concurrent_duplicates,
        "acknowledged (201)": result.acknowledged,
        "refused (4xx)": result.refused,
        "answers by status": dict(sorted(result.statuses.items())),
        "requests per second": round(result.requests / result.seconds, 1),
        "slowest request (s)": round(result.slowest_request_seconds, 3),
        "suite time (s)": round(time.monotonic() - started, 1),
    }, invariants)
    assert all(invariants.values()), [name for name, ok in invariants.items() if not ok]
    assert result.acknowledged > result.transfers // 4, "too few transfers went through to show anything"
    assert result.refused > 0, "no transfer exceeded its balance"
    assert result.statuses.get("503", 0) == 0, "the database was not down, yet the API said 503"


def test_standing_orders_executing_beside_customer_transfers_keep_every_invariant(two_worker_host, database_url,
                                                                                  settings):
    """The bank test again, with 6 weekly and 6 monthly orders between its accounts executed
    meanwhile by two runners at once, each on its own pool, over a driven clock of 40 days in steps
    of 8 hours (both often on the same step: the timer firing twice)."""
    import asyncio
    import random
    import threading
    from datetime import UTC, datetime, timedelta

    from shared.db import Database
    from shared.schedules import bank_date
    from shared.standing_orders import RetryPolicy, RunReport, run_due

    started = time.monotonic()
    bank = Bank.open(two_worker_host.base_url, database_url)
    start = datetime.now(UTC)
    orders = bank.open_standing_orders(bank_date(start).isoformat(), random.Random(16))
    stop, reports, failures = threading.Event(), [], []

    def runner() -> None:
        async def steps() -> None:
            db = Database(settings)
            try:
                for step in range(120):
                    # Paced while the clients send; once they are done, the clock runs out at once.
                    await asyncio.sleep(0 if stop.is_set() else 0.05)
                    reports.append(await run_due(db, start + timedelta(hours=8 * step), RetryPolicy(120, 3)))
            finally:
                await db.close()

        try:
            asyncio.run(steps())
        except Exception as exc:  # surfaced below: a runner's failure fails the test
            failures.append(exc)

    runners = [threading.Thread(target=runner) for _ in range(2)]
    for thread in runners:
        thread.start()
    result = bank.run(bank_test_transfers() // 4, clients=16)
    stop.set()
    for thread in runners:
        thread.join(timeout=300)
    invariants = bank.check()
    total = RunReport(*(sum(report[i] for report in reports) for i in range(4)))
    figures.record("bank_standing_orders", "Bank test with standing orders (16 clients, 12 orders, 2 runners)", {
        "transfers": result.transfers,
        "acknowledged (201)": result.acknowledged,
        "standing-order payments posted": total.posted,
        "retries scheduled (insufficient funds)": total.retrying,
        "occurrences failed": total.failed,
        "suite time (s)": round(time.monotonic() - started, 1),
    }, invariants)
    assert failures == []
    assert all(invariants.values()), [name for name, ok in invariants.items() if not ok]
    assert len(orders) == 12 and total.posted > 24, "too few standing-order payments to show anything"
    assert result.acknowledged > result.transfers // 4

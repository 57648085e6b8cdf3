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

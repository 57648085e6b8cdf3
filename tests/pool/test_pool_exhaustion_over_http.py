"""Issue 10: when the connection pool is exhausted, requests get 503 + Retry-After quickly, never a
500 and never a hang, and every one of them succeeds once the load drops.

The slow requests are made slow by the database, not by the app: the test holds a row lock on the
recipient's account, so every transfer to it waits inside post_transfer while holding one of the
pool's connections. Nothing in the app knows about the test, so nothing can switch it on in prod.
The requests go over HTTP through the local Functions host (python -m devhost), the real path.
"""

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from tests.conftest import LocalHost
from tests.helpers import deposit, sign_up

POOL_MAX = 2
POOL_WAIT_SECONDS = 1.0
CONCURRENT = 10
LOCK_HELD_SECONDS = 5.0  # well over two pool waits: a request takes a connection twice (auth, then ledger)


@pytest.fixture(scope="module")
def small_pool_host(database_url: str, tmp_path_factory: pytest.TempPathFactory):
    host = LocalHost(
        database_url, tmp_path_factory.mktemp("pool") / "host.log",
        DB_POOL_MIN_SIZE="1", DB_POOL_MAX_SIZE=str(POOL_MAX), DB_POOL_TIMEOUT_SECONDS=str(POOL_WAIT_SECONDS),
        # The two requests holding connections wait on the lock longer than the default statement timeout.
        DB_STATEMENT_TIMEOUT_MS="20000",
        # As many host threads as requests, so the requests queue at the pool and not in the host.
        PYTHON_THREADPOOL_THREAD_COUNT=str(CONCURRENT + 2),
    ).start()
    yield host
    host.stop()


def _transfer(client: httpx.Client, token: str, source: str, target: str, key: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = client.post("/api/transfers", headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                           json={"from_account": source, "to_account": target, "amount": "1.00"})
    return response, time.monotonic() - started


def _balance(client: httpx.Client, token: str, number: str) -> str:
    response = client.get(f"/api/accounts/{number}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return str(response.json()["balance"])


def test_an_exhausted_pool_answers_503_with_retry_after_and_every_request_succeeds_once_load_drops(
        small_pool_host: LocalHost, database_url: str):
    with httpx.Client(base_url=small_pool_host.base_url, timeout=30) as client:
        sender, recipient = sign_up(client), sign_up(client)
        deposit(database_url, sender.account, "100.00")
        keys = [str(uuid.uuid4()) for _ in range(CONCURRENT)]

        with psycopg.connect(database_url) as blocker:  # not autocommit: the lock lasts until commit
            blocker.execute("SELECT 1 FROM accounts WHERE number = %s FOR UPDATE", (recipient.account,))
            with ThreadPoolExecutor(CONCURRENT) as threads:
                futures = [threads.submit(_transfer, client, sender.token, sender.account, recipient.account, key)
                           for key in keys]
                time.sleep(LOCK_HELD_SECONDS)
                refused_while_locked = [f.result() for f in futures if f.done()]
                blocker.commit()  # load drops: the two requests holding the pool's connections finish
                results = [f.result(timeout=10) for f in futures]

        statuses = [response.status_code for response, _ in results]
        assert sorted(statuses) == [201] * POOL_MAX + [503] * (CONCURRENT - POOL_MAX), statuses
        # The 503s came back while the database was still blocked: no request waited for it.
        assert sorted(r.status_code for r, _ in refused_while_locked) == [503] * (CONCURRENT - POOL_MAX)
        for response, elapsed in results:
            if response.status_code != 503:
                assert elapsed >= LOCK_HELD_SECONDS  # served only once the lock went away
                continue
            assert POOL_WAIT_SECONDS * 0.9 <= elapsed < LOCK_HELD_SECONDS, elapsed  # waited, then refused
            assert int(response.headers["retry-after"]) >= 1
            body = response.json()
            assert response.headers["content-type"].startswith("application/problem+json")
            assert body["type"].endswith("/service-unavailable") and body["status"] == 503

        # Once the load has dropped, the refused requests are retried as a client would: after
        # Retry-After, with the same Idempotency-Key. Each succeeds, and none is posted twice.
        retry_after = max(int(r.headers["retry-after"]) for r, _ in results if r.status_code == 503)
        time.sleep(retry_after)
        for key, (response, _) in zip(keys, results, strict=True):
            if response.status_code == 503:
                retried, _ = _transfer(client, sender.token, sender.account, recipient.account, key)
                assert retried.status_code == 201, retried.text
        for key in keys:  # a replay of every key returns the transfer it already posted
            replayed, _ = _transfer(client, sender.token, sender.account, recipient.account, key)
            assert replayed.status_code in (200, 201), replayed.text
        assert _balance(client, recipient.token, recipient.account) == f"{CONCURRENT}.00"
        assert _balance(client, sender.token, sender.account) == f"{100 - CONCURRENT}.00"

    logged = [json.loads(line) for line in small_pool_host.logs().splitlines() if line.startswith("{")]
    assert {entry["status"] for entry in logged if "status" in entry} <= {200, 201, 503}

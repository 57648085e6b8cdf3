"""Figure 3: history pages stay as fast at 1,000,000 entries as at 10,000 (keyset pagination)."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

import httpx
import psycopg

from bench.fixtures import Customer
from shared import cursors
from shared.repositories.history import _PAGE  # the exact query the app runs for a page


@dataclass
class HistoryFigures:
    entries: int
    page_size: int
    samples: int
    first_page_ms: float
    deep_page_ms: float  # the page reached by following next_cursor `follow` times
    follow: int
    plans: dict[str, str] = field(default_factory=dict)


def _timed_get(client: httpx.Client, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[float, dict]:
    started = time.perf_counter()
    answer = client.get(path, params=params, headers=headers)
    elapsed = time.perf_counter() - started
    if answer.status_code != 200:
        raise RuntimeError(f"history answered {answer.status_code}: {answer.text}")
    return elapsed, answer.json()


def run_history(base_url: str, database_url: str, customer: Customer, entries: int, page_size: int,
                follow: int, samples: int) -> HistoryFigures:
    headers = {"Authorization": f"Bearer {customer.token}"}
    first = {"account": customer.account, "limit": str(page_size)}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        cursor = None
        for _ in range(follow):
            _, page = _timed_get(client, "/api/transactions", {**first, **({"cursor": cursor} if cursor else {})},
                                 headers)
            cursor = page["next_cursor"]
            if cursor is None:
                raise RuntimeError(f"history of {entries} entries ended before {follow} pages")
        deep = {**first, "cursor": cursor}
        first_times, deep_times = [], []
        for _ in range(samples):  # interleaved, so noise falls on both alike
            first_times.append(_timed_get(client, "/api/transactions", first, headers)[0])
            elapsed, page = _timed_get(client, "/api/transactions", deep, headers)
            deep_times.append(elapsed)
            if len(page["items"]) != page_size:
                raise RuntimeError("the deep page is not full")
    plans = {
        "first page": _explain(database_url, customer, page_size, None),
        f"page after following the cursor {follow} times": _explain(database_url, customer, page_size, cursor),
    }
    return HistoryFigures(entries, page_size, samples, statistics.median(first_times) * 1000,
                          statistics.median(deep_times) * 1000, follow, plans)


def _explain(database_url: str, customer: Customer, page_size: int, page_cursor: str | None) -> str:
    params = {"owner": customer.user_id, "account": customer.account, "limit": page_size + 1,
              "before": cursors.page_below(page_cursor)}
    with psycopg.connect(database_url, autocommit=True) as conn:
        cursor = psycopg.ClientCursor(conn)  # parameters inlined: the plan for these very values
        rows = cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + _PAGE, params).fetchall()
    return "\n".join(row[0] for row in rows)

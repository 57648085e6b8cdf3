"""Figure 3: history pages stay as fast at 1,000,000 entries as at 10,000 (keyset pagination),
unfiltered and with every filter at once (FILTERS)."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import psycopg

from bench.fixtures import EUR_SYSTEM_ACCOUNT, RARE_WORD, Customer
from shared import cursors
from shared.db import INDEX_ORDER_PLANS, SORTS_OFF
from shared.history import entry_filter
from shared.models import HistoryQuery
from shared.repositories.history import page_query  # the exact query the app runs for a page

# Every filter at once, each matching every bench entry (one-cent deposits from the EUR system
# account, described "bench history N", all within the last 12 days): the figure is the cost of
# the filtered index walk, not of how rare matches are (docs/benchmarks.md says what that costs).
FILTERS = {"from": (datetime.now(UTC).date() - timedelta(days=30)).isoformat(),
           "to": (datetime.now(UTC).date() + timedelta(days=1)).isoformat(),
           "direction": "in", "min_amount": "0.01", "max_amount": "1.00",
           "counterparty": EUR_SYSTEM_ACCOUNT, "q": "Bench History"}

# Searches over the whole period: a word one entry holds, one no entry holds, one every entry holds.
_WHOLE_PERIOD: dict[str, str] = {"from": FILTERS["from"], "to": FILTERS["to"]}
SEARCHES: dict[str, dict[str, str]] = {"rare (1 match)": {**_WHOLE_PERIOD, "q": RARE_WORD},
            "absent (0 matches)": {**_WHOLE_PERIOD, "q": "quixotic"},
            "common (every entry)": {**_WHOLE_PERIOD, "q": "bench"}}


@dataclass
class SearchFigures:
    entries: int
    samples: int
    first_page_ms: dict[str, float]  # by search (SEARCHES)
    items: dict[str, int]
    plans: dict[str, str] = field(default_factory=dict)


@dataclass
class HistoryFigures:
    entries: int
    page_size: int
    samples: int
    first_page_ms: float
    deep_page_ms: float  # the page reached by following next_cursor `follow` times
    follow: int
    plans: dict[str, str] = field(default_factory=dict)
    filters: dict[str, str] = field(default_factory=dict)


def _timed_get(client: httpx.Client, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[float, dict]:
    started = time.perf_counter()
    answer = client.get(path, params=params, headers=headers)
    elapsed = time.perf_counter() - started
    if answer.status_code != 200:
        raise RuntimeError(f"history answered {answer.status_code}: {answer.text}")
    return elapsed, answer.json()


def run_history(base_url: str, database_url: str, customer: Customer, entries: int, page_size: int,
                follow: int, samples: int, filters: dict[str, str] | None = None) -> HistoryFigures:
    headers = {"Authorization": f"Bearer {customer.token}"}
    first = {"account": customer.account, "limit": str(page_size), **(filters or {})}
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
        "first page": _explain(database_url, customer, page_size, None, filters),
        f"page after following the cursor {follow} times": _explain(database_url, customer, page_size, cursor,
                                                                    filters),
    }
    return HistoryFigures(entries, page_size, samples, statistics.median(first_times) * 1000,
                          statistics.median(deep_times) * 1000, follow, plans, dict(filters or {}))


def _explain(database_url: str, customer: Customer, page_size: int, page_cursor: str | None,
             filters: dict[str, str] | None) -> str:
    sql, filter_params = page_query(entry_filter(HistoryQuery.model_validate(filters or {})))
    params = {"owner": customer.user_id, "account": customer.account, "limit": page_size + 1,
              "before": cursors.page_below(page_cursor), **filter_params}
    with psycopg.connect(database_url, autocommit=True) as conn:
        cursor = psycopg.ClientCursor(conn)  # parameters inlined: the plan for these very values
        if filters:  # planned as the app plans a filtered page (shared/history.py)
            conn.execute("BEGIN READ ONLY; " + (SORTS_OFF if "q" in filters else INDEX_ORDER_PLANS))
        rows = cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params).fetchall()
        if filters:
            conn.execute("ROLLBACK")
    return "\n".join(row[0] for row in rows)


def run_searches(base_url: str, database_url: str, customer: Customer, entries: int, page_size: int,
                 samples: int) -> SearchFigures:
    """The first page of each search in SEARCHES, interleaved, and its plan."""
    headers = {"Authorization": f"Bearer {customer.token}"}
    times: dict[str, list[float]] = {name: [] for name in SEARCHES}
    items: dict[str, int] = {}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for _ in range(samples):
            for name, search in SEARCHES.items():
                elapsed, page = _timed_get(client, "/api/transactions",
                                           {"account": customer.account, "limit": str(page_size), **search}, headers)
                times[name].append(elapsed)
                items[name] = len(page["items"])
    return SearchFigures(entries, samples, {name: statistics.median(t) * 1000 for name, t in times.items()}, items,
                         {name: _explain(database_url, customer, page_size, None, search)
                          for name, search in SEARCHES.items()})

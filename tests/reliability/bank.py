"""The bank workload (in the spirit of Jepsen's bank test): many clients move money over HTTP
between a few accounts, with retries under one Idempotency-Key, then the books are checked.

`Bank.open` creates 3 customers with 2 EUR accounts each, funded by deposits. `Bank.run` sends
the transfers from `clients` threads. A share of them is sent more than once with the same key,
some of the copies at the same moment (before the first answer arrives). A client treats an
answer as final when it is a 201 or a 4xx refusal; 409 idempotency-key-in-progress, 503 and
connection errors are retried with the same key, as an idempotent client must do.
`Bank.check` compares the database with what the clients were told.
"""

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal

import httpx
import psycopg

from tests.helpers import Customer, deposit, sign_up

IN_PROGRESS = "https://iebank.example/problems/idempotency-key-in-progress"
REFUSALS = {"insufficient-funds", "validation-error"}  # what a well-formed transfer may be told here
KEY_REQUIRED = "https://iebank.example/problems/idempotency-key-required"  # a keyless one, always
OPENING_BALANCE = Decimal("500.00")
STANDING_ORDER_KEY = "standing-order:"  # shared/standing_orders.py: standing-order:{order}:{date}:{attempt}


@dataclass
class Answer:
    status: int  # 0: no answer (connection refused or broken)
    sent_at: float  # time.monotonic() when the request left
    transfer_id: str | None
    problem: str | None
    seconds: float
    retry_after: str | None


@dataclass
class Job:
    customer: Customer
    body: dict[str, str]
    key: str | None
    copies: int  # sent this many times at once (1: once; 2-3: concurrent duplicates)
    later_retry: bool  # sent again with the same key after the first answers
    answers: list[Answer] = field(default_factory=list)

    def final(self) -> Answer | None:
        """The answer the client acted on: the last one that is not "try again"."""
        for answer in reversed(self.answers):
            if not _try_again(answer):
                return answer
        return None


def _try_again(answer: Answer) -> bool:
    return answer.status in (0, 503) or answer.problem == IN_PROGRESS


@dataclass
class Figures:
    transfers: int = 0
    requests: int = 0
    retries_same_key: int = 0
    concurrent_duplicates: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    acknowledged: int = 0
    refused: int = 0
    seconds: float = 0.0
    slowest_request_seconds: float = 0.0
    unavailable_with_retry_after: int = 0


class Bank:
    def __init__(self, base_url: str, database_url: str, customers: list[Customer], accounts: list[str]) -> None:
        self.base_url = base_url
        self.database_url = database_url
        self.customers = customers
        self.accounts = accounts
        self.jobs: list[Job] = []
        self._local = threading.local()
        self._duplicates: ThreadPoolExecutor | None = None

    @classmethod
    def open(cls, base_url: str, database_url: str) -> "Bank":
        customers, accounts = [], []
        with httpx.Client(base_url=base_url, timeout=30) as api:
            for _ in range(3):
                customer = sign_up(api)
                second = api.post("/api/accounts", json={"name": "Bank test", "currency": "EUR"},
                                  headers=customer.headers)
                assert second.status_code == 201, second.text
                customers.append(customer)
                accounts += [customer.account, second.json()["number"]]
        for number in accounts:
            deposit(database_url, number, str(OPENING_BALANCE))
        return cls(base_url, database_url, customers, accounts)

    def open_standing_orders(self, first_date: str, rng: random.Random) -> list[str]:
        """Two orders from every account to another customer's, over HTTP: one weekly, one monthly,
        amounts that will sometimes find the account short (then retried, then failed)."""
        ids = []
        with httpx.Client(base_url=self.base_url, timeout=30) as api:
            for customer in self.customers:
                for source in self.owned(customer):
                    for frequency in ("weekly", "monthly"):
                        target = rng.choice([n for n in self.accounts if n not in self.owned(customer)])
                        headers = {**customer.headers, "Idempotency-Key": str(uuid.uuid4())}
                        created = api.post("/api/standing-orders", headers=headers, json={
                            "from_account": source, "to_account": target, "frequency": frequency,
                            "amount": f"{rng.randint(5, 120)}.{rng.randint(0, 99):02d}", "first_date": first_date})
                        assert created.status_code == 201, created.text
                        ids.append(created.json()["id"])
        return ids

    def owned(self, customer: Customer) -> list[str]:
        index = self.customers.index(customer)
        return self.accounts[2 * index: 2 * index + 2]

    # ---- the workload ---------------------------------------------------------------------

    def plan(self, rng: random.Random) -> Job:
        """One transfer between the contended accounts, with its retry pattern."""
        customer = rng.choice(self.customers)
        source = rng.choice(self.owned(customer))
        target = rng.choice([number for number in self.accounts if number != source])
        # Mostly affordable amounts; one in ten is more than any account can hold by then.
        cents = rng.randint(1, 20000) if rng.random() < 0.9 else rng.randint(300000, 900000)
        body = {"from_account": source, "to_account": target, "amount": f"{cents // 100}.{cents % 100:02d}"}
        key = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        roll = rng.random()
        if roll < 0.15:  # concurrent duplicates, then a later retry
            return Job(customer, body, key, copies=rng.choice((2, 3)), later_retry=True)
        if roll < 0.30:  # a retry after the answer
            return Job(customer, body, key, copies=1, later_retry=True)
        if roll < 0.95:
            return Job(customer, body, key, copies=1, later_retry=False)
        return Job(customer, body, None, copies=1, later_retry=False)  # no key: refused with 428, moves nothing

    def _client(self) -> httpx.Client:
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(base_url=self.base_url, timeout=httpx.Timeout(30, connect=5))
            self._local.client = client
        return client

    def send(self, job: Job) -> Answer:
        headers = dict(job.customer.headers)
        if job.key is not None:
            headers["Idempotency-Key"] = job.key
        started = time.monotonic()
        try:
            response = self._client().post("/api/transfers", json=job.body, headers=headers)
        except httpx.TransportError:
            self._client().close()  # a fresh connection next time
            self._local.client = None
            return Answer(0, started, None, None, time.monotonic() - started, None)
        seconds = time.monotonic() - started
        body = response.json() if response.content else {}
        if response.status_code == 201:
            return Answer(201, started, body["id"], None, seconds, None)
        return Answer(response.status_code, started, None, body.get("type"), seconds,
                      response.headers.get("retry-after"))

    def _perform(self, job: Job, pause: Callable[[], None]) -> None:
        if job.copies > 1:
            # The copies leave together from threads of their own (before any answer arrives).
            barrier = threading.Barrier(job.copies)

            def copy() -> Answer:
                barrier.wait(timeout=60)
                return self.send(job)

            assert self._duplicates is not None
            job.answers += [future.result() for future in [self._duplicates.submit(copy)
                                                           for _ in range(job.copies)]]
        else:
            job.answers.append(self.send(job))
        if job.later_retry:
            job.answers.append(self.send(job))
        # An idempotent client keeps asking until it has a final answer (keyless jobs cannot).
        give_up = time.monotonic() + 90
        while job.key is not None and _try_again(job.answers[-1]) and time.monotonic() < give_up:
            pause()
            job.answers.append(self.send(job))

    def run(self, transfers: int, clients: int = 16, seed: int = 8,
            pause: Callable[[], None] = lambda: time.sleep(0.05), stop: threading.Event | None = None) -> Figures:
        """Sends `transfers` transfers from `clients` threads; with `stop`, no new one starts once it is set."""
        rng, lock, jobs = random.Random(seed), threading.Lock(), []

        def next_job() -> Job | None:
            with lock:
                if len(jobs) >= transfers or (stop is not None and stop.is_set()):
                    return None
                jobs.append(self.plan(rng))
                return jobs[-1]

        def client() -> None:
            while (job := next_job()) is not None:
                self._perform(job, pause)

        started = time.monotonic()
        # Three threads per client for the concurrent copies, so a barrier never waits for a thread.
        with ThreadPoolExecutor(clients) as pool, ThreadPoolExecutor(3 * clients) as self._duplicates:
            for future in [pool.submit(client) for _ in range(clients)]:
                future.result()
        self.jobs += jobs
        return self.figures(jobs, time.monotonic() - started)

    def answers(self) -> list[Answer]:
        return [answer for job in self.jobs for answer in job.answers]

    @staticmethod
    def figures(jobs: list[Job], seconds: float) -> Figures:
        figures = Figures(transfers=len(jobs), seconds=seconds)
        for job in jobs:
            figures.requests += len(job.answers)
            figures.retries_same_key += len(job.answers) - 1
            figures.concurrent_duplicates += job.copies - 1
            for answer in job.answers:
                figures.statuses[str(answer.status)] += 1
                figures.slowest_request_seconds = max(figures.slowest_request_seconds, answer.seconds)
                if answer.status == 503 and answer.retry_after:
                    figures.unavailable_with_retry_after += 1
            final = job.final()
            if final is not None and final.status == 201:
                figures.acknowledged += 1
            elif final is not None:
                figures.refused += 1
        return figures

    # ---- the checks -----------------------------------------------------------------------

    def check(self) -> dict[str, bool]:
        """Each invariant by name, True when it holds. A keyless job is refused (428) before any
        money could move, so every transfer in the database is one a client was told about."""
        from ops.reconcile import reconcile

        acknowledged: dict[str, Job] = {}
        same_id_for_every_retry = True
        no_server_error = True
        expected_status = True
        for job in self.jobs:
            ids = {a.transfer_id for a in job.answers if a.status == 201}
            same_id_for_every_retry &= len(ids) <= 1
            no_server_error &= all(a.status < 500 or a.status == 503 for a in job.answers)
            for answer in job.answers:
                if job.key is None:  # a transfer without a key is never attempted
                    expected_status &= answer.status in (0, 503) or (answer.status == 428
                                                                      and answer.problem == KEY_REQUIRED)
                    continue
                refused_as_expected = (400 <= answer.status < 500 and answer.problem is not None
                                       and (answer.problem.rsplit("/", 1)[-1] in REFUSALS
                                            or answer.problem == IN_PROGRESS))
                expected_status &= answer.status in (0, 201, 503) or refused_as_expected
            for transfer_id in ids:
                acknowledged[str(transfer_id)] = job

        with psycopg.connect(self.database_url) as conn:
            balances = dict(conn.execute(
                "SELECT number, balance FROM accounts WHERE number = ANY(%s)", (self.accounts,)).fetchall())
            every_row = conn.execute(
                """SELECT t.id::text, t.idempotency_key, t.amount, fa.number, ta.number
                     FROM transfers t JOIN accounts fa ON fa.id = t.debit_account_id
                                      JOIN accounts ta ON ta.id = t.credit_account_id
                    WHERE t.kind = 'transfer' AND fa.number = ANY(%s)""", (self.accounts,)).fetchall()
            posted_executions = [str(row[0]) for row in conn.execute(
                """SELECT e.transfer_id FROM standing_order_executions e
                     JOIN standing_orders o ON o.id = e.order_id JOIN accounts a ON a.id = o.from_account_id
                    WHERE e.status = 'posted' AND a.number = ANY(%s)""", (self.accounts,)).fetchall()]
        # Standing orders executing beside the clients (test_bank_invariants.py) post under keys of
        # their own; the clients' invariants are about the other transfers, the balances about all.
        standing = [row for row in every_row if (row[1] or "").startswith(STANDING_ORDER_KEY)]
        rows = [row for row in every_row if row not in standing]
        occurrences = Counter(row[1].rsplit(":", 1)[0] for row in standing)
        keyless_moved = any(row[1] is None for row in rows)
        in_db = Counter(row[0] for row in rows)
        by_key = Counter(row[1] for row in rows if row[1] is not None)
        keys_final = {job.key: job.final() for job in self.jobs if job.key is not None}
        expected = {number: int(OPENING_BALANCE * 100) for number in self.accounts}
        for row in every_row:
            expected[row[3]] -= row[2]
            expected[row[4]] += row[2]
        return {
            "sum of balances unchanged": sum(balances.values()) == int(OPENING_BALANCE * 100) * len(self.accounts),
            "no negative balance": all(value >= 0 for value in balances.values()),
            "every balance equals its ledger (reconcile)": reconcile(self.database_url) == [],
            "balances equal opening balances plus the transfers in the database":
                all(balances[n] == expected[n] for n in self.accounts),
            "every acknowledged transfer exists exactly once":
                all(in_db.get(transfer_id) == 1 for transfer_id in acknowledged),
            "no refused transfer left a trace":
                len(rows) == len(acknowledged) and not keyless_moved
                and all(by_key.get(key, 0) == (1 if final is not None and final.status == 201 else 0)
                        for key, final in keys_final.items()),
            "at most one transfer per Idempotency-Key": all(count == 1 for count in by_key.values()),
            "every retry with the same key got the same transfer id": same_id_for_every_retry,
            "no 500 (or other 5xx than 503)": no_server_error,
            "every standing-order occurrence was paid at most once": all(n == 1 for n in occurrences.values()),
            "every standing-order transfer is a posted execution and every posted execution one transfer":
                sorted(row[0] for row in standing) == sorted(posted_executions),
            "every refusal is a 4xx problem the client can act on": expected_status,
        }

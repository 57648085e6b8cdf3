"""bcrypt work is what tells a stranger whether a user exists, and what a flood of anonymous
sign-ins spends: a wrong password costs 2^BCRYPT_ROUNDS whatever the stored hash's cost, a
successful sign-in rehashes at the current cost, and a hasher with every slot taken refuses the
next job at once. Work is counted by a spy on bcrypt (2^cost per check), never by wall time."""

import asyncio
import secrets
import threading

import bcrypt
import pytest

from shared import passwords as passwords_module
from shared import users
from shared.errors import EmailTaken, InvalidCredentials, PasswordWorkBusy, UsernameTaken
from shared.models import LoginRequest, RegisterRequest
from shared.passwords import PasswordHasher, cost_of
from tests.helpers import PASSWORD, register_body

CURRENT_COST = 7  # the hasher's BCRYPT_ROUNDS in these tests; the suite's users are hashed at 4


class BcryptSpy:
    """bcrypt, with every check's work (2^cost of the hash checked against) written down."""

    def __init__(self) -> None:
        self.checks: list[int] = []
        self._lock = threading.Lock()

    def checkpw(self, password: bytes, hashed: bytes) -> bool:
        with self._lock:
            self.checks.append(cost_of(hashed.decode()) or 0)
        return bcrypt.checkpw(password, hashed)

    def work(self) -> int:
        with self._lock:
            done, self.checks = sum(2 ** cost for cost in self.checks), []
        return done

    def __getattr__(self, name: str) -> object:
        return getattr(bcrypt, name)


@pytest.fixture
def spy(monkeypatch) -> BcryptSpy:
    spy = BcryptSpy()
    monkeypatch.setattr(passwords_module, "bcrypt", spy)
    return spy


@pytest.fixture(scope="module")
def hasher() -> PasswordHasher:
    return PasswordHasher(CURRENT_COST, threads=2, max_concurrent=4)


def register(run, runtime, hasher=None):
    return run(users.register(runtime.db, hasher or runtime.passwords, runtime.login_policy,
                              RegisterRequest(**register_body()), "84.203.17.20", "test")).user


def sign_in(run, runtime, hasher, username, password, address=None):
    return run(users.login(runtime.db, hasher, runtime.tokens, runtime.mailer, runtime.sign_in_delays,
                           runtime.login_policy, runtime.session_policy,
                           LoginRequest(username=username, password=password),
                           address or f"84.203.17.{secrets.randbelow(200) + 20}", None, "test"))


def stored_cost(sql, user_id) -> int | None:
    return cost_of(sql.execute("SELECT password_hash FROM users WHERE id = %s", (user_id,)).fetchone()[0])


def test_a_wrong_password_costs_the_same_bcrypt_work_for_a_cheap_hash_a_current_one_and_nobody(
        run, runtime, sql, hasher, spy):
    cheap = register(run, runtime)  # hashed at cost 4, as the demo users were seeded at 10 under 12
    current = register(run, runtime, hasher)
    assert (stored_cost(sql, cheap.id), stored_cost(sql, current.id)) == (4, CURRENT_COST)
    spy.work()
    work = {}
    for name, username in (("cheap hash", cheap.username), ("current hash", current.username),
                           ("unknown user", "nobody-" + secrets.token_hex(4))):
        with pytest.raises(InvalidCredentials):
            sign_in(run, runtime, hasher, username, "Wrong-password-1")
        work[name] = spy.work()
    assert work == {"cheap hash": 2 ** CURRENT_COST, "current hash": 2 ** CURRENT_COST,
                    "unknown user": 2 ** CURRENT_COST}


def test_a_successful_sign_in_rehashes_a_cheaper_password_at_the_current_cost(run, runtime, sql, hasher):
    user = register(run, runtime)
    assert stored_cost(sql, user.id) == 4
    sign_in(run, runtime, hasher, user.username, PASSWORD)
    assert stored_cost(sql, user.id) == CURRENT_COST
    # The same password still signs in, now without a rehash.
    before = sql.execute("SELECT password_hash FROM users WHERE id = %s", (user.id,)).fetchone()[0]
    sign_in(run, runtime, hasher, user.username, PASSWORD)
    assert sql.execute("SELECT password_hash FROM users WHERE id = %s", (user.id,)).fetchone()[0] == before


def test_past_its_concurrency_bound_the_hasher_refuses_at_once_instead_of_queueing():
    hasher = PasswordHasher(10, threads=1, max_concurrent=2)

    async def scenario() -> tuple[list[object], float]:
        loop = asyncio.get_running_loop()
        checks = [asyncio.ensure_future(hasher.verify("Wrong-password-1", None)) for _ in range(2)]
        await asyncio.sleep(0)  # both have taken their slot
        started = loop.time()
        with pytest.raises(PasswordWorkBusy) as refused:
            await hasher.verify("Wrong-password-1", None)
        waited = loop.time() - started
        assert refused.value.retry_after_seconds == 1
        return list(await asyncio.gather(*checks)), waited

    results, waited = asyncio.run(scenario())
    assert results == [False, False]
    assert waited < 0.05  # no bcrypt ran for it: it did not wait behind the two in flight
    assert hasher.in_flight == 0


def test_a_taken_username_or_email_is_refused_before_any_bcrypt_work(run, runtime, spy):
    taken = register(run, runtime)

    class NoHashing(PasswordHasher):
        async def hash(self, password: str) -> str:
            raise AssertionError("hashed a password for a registration that was refused")

    for body in (register_body(taken.username), register_body(email=taken.email)):
        with pytest.raises((UsernameTaken, EmailTaken)):
            run(users.register(runtime.db, NoHashing(4, threads=1), runtime.login_policy, RegisterRequest(**body),
                               "84.203.17.21", "test"))


def test_sign_ins_refused_as_busy_never_count_toward_the_holders_lock_out(run, runtime, sql):
    user = register(run, runtime)

    class BusyAfterCounting(PasswordHasher):
        async def verify(self, password: str, password_hash: str | None) -> bool:
            raise PasswordWorkBusy()

    busy, home = BusyAfterCounting(4, threads=1), "84.203.17.31"
    for _ in range(runtime.login_policy.max_failures + 3):
        with pytest.raises(PasswordWorkBusy):
            sign_in(run, runtime, busy, user.username, PASSWORD, home)
    left = sql.execute("SELECT attempts FROM login_throttle WHERE username_key = %s", (user.username.lower(),))
    assert [row[0] for row in left] in ([], [0])
    assert sign_in(run, runtime, runtime.passwords, user.username, PASSWORD, home).user.id == user.id

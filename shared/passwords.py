"""Password policy and hashing (bcrypt).

bcrypt reads at most 72 bytes, and the policy allows 128 characters (up to 512 bytes of UTF-8),
so the password is first reduced to a base64 SHA-256 digest: every character counts, and the
bcrypt input is always 44 bytes.

bcrypt is CPU work of a quarter of a second: it runs on threads of its own (bcrypt releases the
GIL), never on the event loop, and at a lower scheduling priority, so a burst of sign-ins (or of
anonymous guesses) slows other sign-ins rather than every other request on the instance. At most
`max_concurrent` password jobs are in flight per worker; one more is refused at once
(PasswordWorkBusy, 503 with Retry-After: 1) instead of queueing behind them, so a flood cannot
build a queue that every later sign-in waits through.

A wrong password costs the same bcrypt work whoever it is for: an unknown user is checked
against a stand-in hash at the current cost, and a user whose hash has a lower cost (seeded or
hashed before BCRYPT_ROUNDS was raised) is padded with stand-in checks at the costs in between
(2^c + 2^c + 2^(c+1) + ... + 2^(r-1) = 2^r). A successful sign-in rehashes at the current cost.
"""

import asyncio
import base64
import contextlib
import functools
import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import bcrypt

from shared.errors import PasswordWorkBusy

# How much lower bcrypt's threads run than the event loop (Linux nice levels; 10 gives a busy
# event loop about nine tenths of a contended core).
_BCRYPT_NICENESS = 10
T = TypeVar("T")

MIN_LENGTH = 8
MAX_LENGTH = 128
POLICY = "8 to 128 characters, with at least one letter and one digit"


def check_password_policy(password: str) -> str:
    """Returns the password when it meets the written policy; raises ValueError otherwise."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValueError(f"must be {POLICY}")
    if not any(ch.isalpha() for ch in password) or not any(ch.isdigit() for ch in password):
        raise ValueError(f"must be {POLICY}")
    return password


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode()).digest())


def _lower_this_threads_priority() -> None:
    """On Linux a thread is a task of its own, with its own nice level."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed: normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _BCRYPT_NICENESS)


def _check_against_future(password: bytes, dummy_hash: Future[bytes]) -> bool:
    return bcrypt.checkpw(password, dummy_hash.result())


def cost_of(password_hash: str) -> int | None:
    """The bcrypt cost written in a hash (`$2b$12$...` is 12), or None when it is not one."""
    parts = password_hash.split("$")
    if len(parts) != 4 or not parts[2].isdigit():
        return None
    return int(parts[2])


class PasswordHasher:
    def __init__(self, rounds: int, threads: int | None = None, max_concurrent: int | None = None) -> None:
        self.rounds = rounds
        workers = threads or os.cpu_count() or 1
        self.max_concurrent = max_concurrent or workers
        self._in_flight = 0
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bcrypt",
                                            initializer=_lower_this_threads_priority)
        # Stand-in hashes per cost, checked against for an unknown user (at the current cost) and
        # to pad a cheaper stored hash; the current cost's is made at once, the others when needed.
        self._stand_ins: dict[int, Future[bytes]] = {}
        self._stand_in(rounds)

    def _stand_in(self, cost: int) -> Future[bytes]:
        if cost not in self._stand_ins:
            self._stand_ins[cost] = self._executor.submit(bcrypt.hashpw, b"no such user", bcrypt.gensalt(cost))
        return self._stand_ins[cost]

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def refuse_when_busy(self) -> None:
        """Raises PasswordWorkBusy when every slot is taken now: a caller checks before it does
        any other work for a password job (the job itself checks again)."""
        if self._in_flight >= self.max_concurrent:
            raise PasswordWorkBusy()

    @contextlib.contextmanager
    def _slot(self) -> Iterator[None]:
        # The event loop runs one coroutine at a time, so the count needs no lock.
        if self._in_flight >= self.max_concurrent:
            raise PasswordWorkBusy()
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1

    async def hash(self, password: str) -> str:
        """Raises PasswordWorkBusy when every slot is taken."""
        with self._slot():
            hashed = await self._run(bcrypt.hashpw, _prehash(password), bcrypt.gensalt(self.rounds))
        return hashed.decode()

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Whether the password is right, after 2^rounds of bcrypt work when it is wrong whatever
        the stored hash's cost: pass None for an unknown user. Raises PasswordWorkBusy when every
        slot is taken (before any work, the same for every user)."""
        with self._slot():
            prehashed = _prehash(password)
            if password_hash is None:
                # (ready: computed on this executor's thread before any check queued behind it)
                await self._run(_check_against_future, prehashed, self._stand_in(self.rounds))
                return False
            if await self._run(bcrypt.checkpw, prehashed, password_hash.encode()):
                return True
            cost = cost_of(password_hash) or self.rounds
            for padding in range(max(cost, 4), self.rounds):  # no-op at the current cost
                await self._run(_check_against_future, prehashed, self._stand_in(padding))
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """Hashed at another cost than the current one (rehash it after a successful sign-in)."""
        return cost_of(password_hash) != self.rounds

    async def _run(self, fn: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)


@functools.cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).parent / "data" / "common-passwords.txt"
    return frozenset(line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))


def is_common(password: str) -> bool:
    """Among the most common passwords of public breach lists (shared/data/common-passwords.txt):
    the first ones an attacker tries, whatever the policy says of their shape."""
    return password.lower() in _common_passwords()

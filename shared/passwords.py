"""Password policy and hashing (bcrypt).

bcrypt reads at most 72 bytes, and the policy allows 128 characters (up to 512 bytes of UTF-8),
so the password is first reduced to a base64 SHA-256 digest: every character counts, and the
bcrypt input is always 44 bytes.

bcrypt is CPU work of a quarter of a second: it runs on threads of its own (bcrypt releases the
GIL), never on the event loop, and at a lower scheduling priority, so a burst of sign-ins (or of
anonymous guesses) slows other sign-ins rather than every other request on the instance.
"""

import asyncio
import base64
import contextlib
import functools
import hashlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import bcrypt

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


class PasswordHasher:
    def __init__(self, rounds: int, threads: int | None = None) -> None:
        self.rounds = rounds
        self._executor = ThreadPoolExecutor(max_workers=threads or os.cpu_count() or 1,
                                            thread_name_prefix="bcrypt", initializer=_lower_this_threads_priority)
        # Checked against when the username is unknown, so both paths cost one bcrypt check.
        self._dummy_hash: Future[bytes] = self._executor.submit(bcrypt.hashpw, b"no such user",
                                                                bcrypt.gensalt(rounds))

    async def hash(self, password: str) -> str:
        hashed = await self._run(bcrypt.hashpw, _prehash(password), bcrypt.gensalt(self.rounds))
        return hashed.decode()

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Constant work whether or not the user exists: pass None for an unknown user."""
        if password_hash is None:
            # (ready: computed on this executor's thread before any check queued behind it)
            await self._run(_check_against_future, _prehash(password), self._dummy_hash)
            return False
        return bool(await self._run(bcrypt.checkpw, _prehash(password), password_hash.encode()))

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

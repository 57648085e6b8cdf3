import asyncio
import os
import threading
import time
import uuid

import jwt
import pytest

from shared.errors import NotAuthenticated
from shared.passwords import PasswordHasher, check_password_policy
from shared.tokens import TokenService

KEY = "k" * 40
OTHER_KEY = "o" * 40


def service(key: str = KEY, previous: str | None = None, ttl: int = 900) -> TokenService:
    return TokenService(key, previous, "iebank", "iebank-api", ttl)


def test_a_token_carries_the_user_and_role():
    user = uuid.uuid4()
    claims = service().verify(service().issue(user, "admin", uuid.uuid4()))
    assert claims.user_id == user and claims.role == "admin"


def test_the_previous_key_still_verifies_after_rotation_until_removed():
    old_token = service(OTHER_KEY).issue(uuid.uuid4(), "user", uuid.uuid4())
    assert service(KEY, previous=OTHER_KEY).verify(old_token).role == "user"
    with pytest.raises(NotAuthenticated):
        service(KEY).verify(old_token)


@pytest.mark.parametrize("forge", ["expired", "wrong_key", "alg_none", "wrong_audience", "wrong_issuer",
                                   "garbage", "no_exp"])
def test_forged_or_stale_tokens_are_refused(forge):
    now = int(time.time())
    base = {"iss": "iebank", "aud": "iebank-api", "sub": str(uuid.uuid4()), "role": "admin", "exp": now + 60}
    kid = {"kid": service()._kid}
    token = {
        "expired": lambda: jwt.encode({**base, "exp": now - 10}, KEY, "HS256", headers=kid),
        "wrong_key": lambda: jwt.encode(base, OTHER_KEY, "HS256", headers=kid),
        "alg_none": lambda: jwt.encode(base, None, "none", headers=kid),
        "wrong_audience": lambda: jwt.encode({**base, "aud": "other"}, KEY, "HS256", headers=kid),
        "wrong_issuer": lambda: jwt.encode({**base, "iss": "other"}, KEY, "HS256", headers=kid),
        "garbage": lambda: "not.a.token",
        "no_exp": lambda: jwt.encode({k: v for k, v in base.items() if k != "exp"}, KEY, "HS256", headers=kid),
    }[forge]()
    with pytest.raises(NotAuthenticated):
        service().verify(token)


@pytest.mark.parametrize("password", ["short1", "lettersonly", "12345678901", "a1" * 65])
def test_passwords_outside_the_policy_are_refused(password):
    with pytest.raises(ValueError, match="at least one letter and one digit"):
        check_password_policy(password)


def test_long_passwords_count_in_full_beyond_bcrypts_72_bytes():
    hasher = PasswordHasher(4)
    long_password = "a1" * 50  # 100 characters
    stored = asyncio.run(hasher.hash(long_password))
    assert asyncio.run(hasher.verify(long_password, stored))
    assert not asyncio.run(hasher.verify(long_password[:-1] + "x", stored))


def test_an_unknown_user_costs_a_bcrypt_check_and_fails():
    hasher = PasswordHasher(4)
    assert asyncio.run(hasher.verify("whatever1", None)) is False


def test_bcrypt_runs_off_the_event_loop_on_threads_of_lower_priority():
    """A sign-in's quarter second of bcrypt must not stall the other requests of the worker."""
    hasher = PasswordHasher(12, threads=1)

    async def scenario() -> tuple[int, float, int]:
        ticks, longest_gap = 0, 0.0
        check = asyncio.ensure_future(hasher.verify("Sup3r-secret-pw", None))
        last = time.perf_counter()
        while not check.done():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            ticks, longest_gap, last = ticks + 1, max(longest_gap, now - last), now
        niceness = await asyncio.get_running_loop().run_in_executor(
            hasher._executor, lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return ticks, longest_gap, niceness

    ticks, longest_gap, niceness = asyncio.run(scenario())
    assert ticks >= 10 and longest_gap < 0.1  # bcrypt at cost 12 takes 200+ ms: the loop kept turning
    assert niceness > os.getpriority(os.PRIO_PROCESS, 0)

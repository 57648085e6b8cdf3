"""The challenge flow every second factor is answered through: the sign-in's second step, a
step-up before a factor change, and (later) a payment's confirmation with its binding.

start() issues a challenge (32 random bytes) for the user, naming the methods they hold and what
each needs to answer it; complete() answers it once, under the challenge row's lock. Wrong answers
count per user across challenges and factors: the fifth in a row blocks every factor of the user
for FACTOR_BLOCK_SECONDS (Delegated Regulation (EU) 2018/389, Art. 4(3)(b)), and each answer
before says how many attempts are left; FACTOR_MAX_BLOCKS blocks in a row lock them until the
bank unblocks them, and the answers after the block before that one say so first. A failure
never says which element was wrong (Art. 4(3)).
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from shared.db import Reader, UnitOfWork
from shared.domain import ScaChallenge
from shared.errors import FactorBlocked, FactorLocked, SecondFactorRejected
from shared.factor_methods import FactorMethod
from shared.repositories import challenges, factors

CHALLENGE_TTL_SECONDS = 300


@dataclass(frozen=True)
class FailurePolicy:
    max_failures: int
    block_seconds: int
    max_blocks: int

    def last_before_lock(self, blocks: int) -> bool:
        """Whether, after `blocks` blocks in a row, the next one locks the factors."""
        return blocks == self.max_blocks - 1


@dataclass(frozen=True)
class Started:
    challenge: ScaChallenge
    methods: list[str]
    options: dict[str, dict[str, Any]]  # per method that needs some (a passkey's request options)


async def held(db: Reader, methods: Sequence[FactorMethod], user_id: UUID) -> list[FactorMethod]:
    return [method for method in methods if await method.available(db, user_id)]


async def offered(db: Reader, methods: Sequence[FactorMethod], user_id: UUID,
                  value: bytes) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The methods the user can answer a challenge of `value` with, and what each needs for it."""
    mine = await held(db, methods, user_id)
    options = {}
    for method in mine:
        wanted = await method.request_options(db, user_id, value)
        if wanted is not None:
            options[method.name] = wanted
    return [method.name for method in mine], options


async def start(uow: UnitOfWork, methods: Sequence[FactorMethod], user_id: UUID, purpose: str,
                binding: dict[str, Any] | None = None) -> Started:
    value = secrets.token_bytes(32)
    challenge = await challenges.insert(uow, user_id, purpose, value, binding, CHALLENGE_TTL_SECONDS)
    names, options = await offered(uow, methods, user_id, value)
    return Started(challenge, names, options)


async def complete(uow: UnitOfWork, methods: Sequence[FactorMethod], policy: FailurePolicy, challenge_id: UUID,
                   purpose: str, method_name: str, proof: Any, for_user: UUID | None = None) -> ScaChallenge:
    """The answered challenge, marked used in the caller's unit of work (which commits it with what
    the answer allows). A wrong answer is counted and committed here, then raises
    SecondFactorRejected (401) or, at the limit, FactorBlocked (429). With `for_user` (a signed-in
    caller's step), another user's challenge is no challenge at all: nothing is counted against
    its holder."""
    challenge = await challenges.lock_open(uow, challenge_id, purpose)
    if challenge is None or challenge.user_id is None or (for_user is not None and challenge.user_id != for_user):
        raise SecondFactorRejected("This step has expired or was completed already. Start again.")
    user_id = challenge.user_id
    block = await factors.block_state(uow, user_id)
    if block.locked:
        raise FactorLocked()
    if block.seconds:
        raise FactorBlocked(block.seconds, last_before_lock=policy.last_before_lock(block.blocks))
    method = next((m for m in methods if m.name == method_name), None)
    try:
        if method is None or not await method.available(uow, user_id):
            raise SecondFactorRejected("")
        await method.verify(uow, user_id, proof, challenge.challenge)
    except SecondFactorRejected:
        await challenges.count_attempt(uow, challenge.id)
        state = await factors.count_failure(uow, user_id, policy.max_failures, policy.block_seconds,
                                            policy.max_blocks)
        await uow.commit()
        if state.locked:
            raise FactorLocked() from None
        if state.blocked_seconds:
            raise FactorBlocked(state.blocked_seconds, last_before_lock=policy.last_before_lock(state.blocks)) from None
        raise SecondFactorRejected(_attempts_left(policy, state)) from None
    await factors.reset_failures(uow, user_id)
    await challenges.mark_used(uow, challenge.id)
    return challenge


def _attempts_left(policy: FailurePolicy, state: factors.FailureState) -> str:
    left = policy.max_failures - state.failures
    until = "until you call us" if policy.last_before_lock(state.blocks) else "for a while"
    return (f"That did not work. {left} attempt{'s' if left != 1 else ''} left before your second factor "
            f"is blocked {until}.")

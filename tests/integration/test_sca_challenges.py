"""Challenges of strong authentication are answered once, before they expire, one answer at a time."""

import asyncio
import os

from shared.repositories import challenges
from tests.integration.test_ledger import new_customer


def issue(run, runtime, user_id, purpose="sign_in", ttl=60, binding=None):
    async def go():
        async with runtime.db.unit_of_work() as uow:
            issued = await challenges.insert(uow, user_id, purpose, os.urandom(32), binding, ttl)
            await uow.commit()
            return issued
    return run(go())


def answer(run, runtime, challenge_id, purpose="sign_in"):
    """Locks the open challenge and marks it used; whether there was one to answer."""
    async def go():
        async with runtime.db.unit_of_work() as uow:
            open_one = await challenges.lock_open(uow, challenge_id, purpose)
            if open_one is None:
                return False
            await asyncio.sleep(0.05)  # hold the lock a moment, so a second answer meets it
            await challenges.mark_used(uow, challenge_id)
            await uow.commit()
            return True
    return run(go())


def test_a_challenge_is_answered_once_and_only_for_its_purpose(run, runtime):
    user, _ = new_customer(run, runtime)
    binding = {"amount": 12345, "currency": "EUR", "payee": "IE00IEBK00000000000000"}
    issued = issue(run, runtime, user.id, purpose="payment", binding=binding)
    assert issued.binding == binding and len(issued.challenge) == 32 and issued.attempts == 0
    assert answer(run, runtime, issued.id, purpose="sign_in") is False
    assert answer(run, runtime, issued.id, purpose="payment") is True
    assert answer(run, runtime, issued.id, purpose="payment") is False


def test_an_expired_challenge_cannot_be_answered(run, runtime, sql):
    user, _ = new_customer(run, runtime)
    issued = issue(run, runtime, user.id)
    sql.execute("UPDATE sca_challenges SET expires_at = now() - interval '1 second' WHERE id = %s", (issued.id,))
    assert answer(run, runtime, issued.id) is False


def test_two_answers_at_once_use_a_challenge_once(run, runtime):
    user, _ = new_customer(run, runtime)
    issued = issue(run, runtime, user.id)

    async def both():
        async def one():
            async with runtime.db.unit_of_work() as uow:
                if await challenges.lock_open(uow, issued.id, "sign_in") is None:
                    return False
                await asyncio.sleep(0.1)
                await challenges.mark_used(uow, issued.id)
                await uow.commit()
                return True
        return await asyncio.gather(one(), one())
    assert sorted(run(both())) == [False, True]


def test_wrong_answers_are_counted_on_the_challenge(run, runtime):
    user, _ = new_customer(run, runtime)
    issued = issue(run, runtime, user.id)

    async def wrong():
        async with runtime.db.unit_of_work() as uow:
            attempts = await challenges.count_attempt(uow, issued.id)
            await uow.commit()
            return attempts
    assert [run(wrong()) for _ in range(3)] == [1, 2, 3]


def test_a_session_remembers_whether_and_when_it_was_strongly_authenticated(run, runtime):
    from shared import sessions
    from shared.repositories import sessions as sessions_repo
    from shared.repositories import users
    customer, _ = new_customer(run, runtime)

    async def go():
        async with runtime.db.reader() as read:
            user = await users.by_id(read, customer.id)
        assert user is not None
        async with runtime.db.unit_of_work() as uow:
            password_only = await sessions.start(uow, runtime.tokens, runtime.session_policy, user, "full", None)
            strong = await sessions.start(uow, runtime.tokens, runtime.session_policy, user, "full", None,
                                          strongly_authenticated=True)
            await sessions_repo.mark_strongly_authenticated(uow, password_only.session.id)
            await uow.commit()
        async with runtime.db.unit_of_work() as uow:
            stepped_up = await sessions_repo.authenticate(uow, password_only.session.id, None)
        return password_only.session, strong.session, stepped_up
    before, strong, stepped_up = run(go())
    assert before.strongly_authenticated_at is None
    assert strong.strongly_authenticated_at is not None
    assert stepped_up is not None and stepped_up[1].strongly_authenticated_at is not None

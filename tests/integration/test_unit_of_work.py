"""The data layer's contract: a unit of work keeps nothing unless committed, on real PostgreSQL."""

import asyncio
import secrets

import psycopg
import pytest

from shared.db import Database


def throttle_rows(sql, key: str) -> int:
    return sql.execute("SELECT count(*) FROM login_throttle WHERE username_key = %s", (key,)).fetchone()[0]


_COUNT = "INSERT INTO login_throttle (username_key, attempts, window_started) VALUES (%s, 1, now())"


def test_writes_of_a_unit_that_is_not_committed_are_rolled_back(run, runtime, sql):
    key = secrets.token_hex(6)

    async def forget_to_commit() -> None:
        async with runtime.db.unit_of_work() as uow:
            await uow.execute(_COUNT, (key,))

    run(forget_to_commit())
    assert throttle_rows(sql, key) == 0


def test_a_failure_inside_the_unit_rolls_back_what_it_wrote(run, runtime, sql):
    key = secrets.token_hex(6)

    async def fail_halfway() -> None:
        async with runtime.db.unit_of_work() as uow:
            await uow.execute(_COUNT, (key,))
            raise LookupError("a rule refused")

    with pytest.raises(LookupError):
        run(fail_halfway())
    assert throttle_rows(sql, key) == 0


def test_a_committed_unit_keeps_all_its_writes_and_cannot_be_used_again(run, runtime, sql):
    first, second = secrets.token_hex(6), secrets.token_hex(6)

    async def commit_both() -> None:
        async with runtime.db.unit_of_work() as uow:
            await uow.execute(_COUNT, (first,))
            await uow.commit_with(_COUNT + " RETURNING attempts", (second,))
            with pytest.raises(RuntimeError, match="committed"):
                await uow.execute(_COUNT, (secrets.token_hex(6),))

    run(commit_both())
    assert throttle_rows(sql, first) == 1 and throttle_rows(sql, second) == 1


def test_a_lone_statement_committed_with_the_unit_sends_no_begin(run, runtime, sql, monkeypatch):
    """The transfer's path: one statement, its own transaction, one round trip."""
    key = secrets.token_hex(6)
    sent: list[str] = []
    original = psycopg.AsyncConnection.execute

    async def spy(self, query, *args, **kwargs):
        if query:  # not the pool's empty-query ping of a connection idle for a while
            sent.append(str(query))
        return await original(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.AsyncConnection, "execute", spy)

    async def alone_and_then_two() -> None:
        async with runtime.db.unit_of_work() as uow:
            await uow.commit_with(_COUNT + " RETURNING attempts", (key,))
        assert sent == []
        async with runtime.db.unit_of_work() as uow:
            await uow.execute(_COUNT, (secrets.token_hex(6),))
            await uow.commit_with(_COUNT + " RETURNING attempts", (secrets.token_hex(6),))
        assert sent == ["BEGIN", "COMMIT"]  # (the statements themselves go through cursors)

    run(alone_and_then_two())
    assert throttle_rows(sql, key) == 1


def test_the_pool_opens_on_first_use_in_the_running_loop_and_only_there(run, settings):
    db = Database(settings)
    assert db.pool is None

    async def use() -> None:
        async with db.reader() as read:
            assert await read.fetch_one("SELECT 1 AS one") == {"one": 1}

    run(use())
    assert db.pool is not None
    with pytest.raises(RuntimeError, match="another event loop"):
        asyncio.run(use())
    run(db.close())

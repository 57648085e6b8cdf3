"""How the data layer connects, per configuration (no connection is opened here)."""

import asyncio

from shared.db import Database
from shared.settings import Settings


def settings(**overrides) -> Settings:
    return Settings(app_env="test", database_url="postgresql://app@db.example/iebank", **overrides)


def test_a_direct_connection_carries_the_statement_timeout():
    kwargs = asyncio.run(Database(settings(db_statement_timeout_ms=1234))._connection_kwargs())
    assert kwargs["options"] == "-c statement_timeout=1234" and kwargs["autocommit"] is True
    assert "prepare_threshold" not in kwargs


def test_pgbouncer_mode_sends_no_session_options_and_no_prepared_statements():
    kwargs = asyncio.run(Database(settings(db_pgbouncer=True))._connection_kwargs())
    assert kwargs["prepare_threshold"] is None and "options" not in kwargs


def test_an_entra_token_is_fetched_for_every_new_connection():
    tokens = iter(["token-1", "token-2"])
    database = Database(settings(), password_provider=lambda: next(tokens))
    assert asyncio.run(database._connection_kwargs())["password"] == "token-1"
    assert asyncio.run(database._connection_kwargs())["password"] == "token-2"


def test_nothing_connects_until_the_first_unit_of_work():
    database = Database(settings())
    assert database._pool is None

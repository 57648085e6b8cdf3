"""Back-office guard rails that need a database of their own (the bank's set of admins)."""

import asyncio
import threading

import psycopg
import pytest
from pydantic import SecretStr

from ops.admin import ensure_admin
from ops.migrations import apply_migrations
from shared import backoffice
from shared.auth import Principal
from shared.errors import LastAdmin, SelfModification
from shared.models import UpdateUserRequest
from shared.runtime import Runtime
from shared.settings import ConfigurationError, Settings
from tests.conftest import TEST_SIGNING_KEY, _fresh_database
from tests.helpers import PASSWORD


@pytest.fixture
def bank(postgres_server, run):
    """A fresh bank: its own database, so its set of admins is known."""
    url = _fresh_database(postgres_server)
    apply_migrations(url)
    runtime = Runtime.from_settings(Settings(app_env="test", database_url=url, bcrypt_rounds=4,
                                             jwt_signing_key=SecretStr(TEST_SIGNING_KEY)))
    yield url, runtime
    run(runtime.db.close())


def admin(url: str, username: str) -> Principal:
    ensure_admin(url, username, PASSWORD, bcrypt_rounds=4)
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT id FROM users WHERE username = %s", (username,)).fetchone()
    return Principal(id=row[0], username=username, role="admin")


def test_the_last_active_admin_can_never_be_demoted_or_deactivated(bank, run):
    url, runtime = bank
    first, second = admin(url, "first"), admin(url, "second")
    run(backoffice.update_user(runtime.db, first, second.id, UpdateUserRequest(role="user"), "c1"))
    with pytest.raises(SelfModification):
        run(backoffice.update_user(runtime.db, first, first.id, UpdateUserRequest(active=False), "c2"))
    # `second` is no longer an admin, so `first` is the last one; nobody may remove it.
    with pytest.raises(LastAdmin):
        run(backoffice.delete_user(runtime.db, Principal(second.id, "second", "admin"), first.id, "c3"))


def test_two_admins_demoting_each_other_at_once_leave_one_admin(bank, run):
    url, runtime = bank
    a, b = admin(url, "alpha"), admin(url, "beta")
    outcomes: list[str] = []

    async def demote(actor: Principal, target: Principal) -> None:
        try:
            await backoffice.update_user(runtime.db, actor, target.id, UpdateUserRequest(role="user"), "race")
            outcomes.append("demoted")
        except LastAdmin:
            outcomes.append("refused")

    async def both_at_once() -> None:
        await asyncio.gather(demote(a, b), demote(b, a))

    run(both_at_once())
    with psycopg.connect(url) as conn:
        admins = conn.execute("SELECT count(*) FROM users WHERE role = 'admin' AND active").fetchone()[0]
    assert admins == 1 and sorted(outcomes) == ["demoted", "refused"]


def test_create_admin_twice_changes_nothing_the_second_time(bank):
    url, _ = bank
    assert ensure_admin(url, "boss", PASSWORD, bcrypt_rounds=4) == "created"
    assert ensure_admin(url, "boss", PASSWORD, bcrypt_rounds=4) == "unchanged"
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log WHERE action LIKE 'admin.%'").fetchone()[0] == 1


@pytest.mark.parametrize("password", [None, "", "short1", "longbutnodigits"])
def test_create_admin_refuses_a_missing_or_weak_password(bank, password):
    url, _ = bank
    with pytest.raises(ConfigurationError, match="ADMIN_PASSWORD"):
        ensure_admin(url, "boss", password, app_env="prod", bcrypt_rounds=4)  # type: ignore[arg-type]


def test_prod_asks_for_a_longer_admin_password(bank):
    url, _ = bank
    with pytest.raises(ConfigurationError, match="12"):
        ensure_admin(url, "boss", "abcdefg1", app_env="prod", bcrypt_rounds=4)


def test_migrations_apply_once_even_when_two_runners_start_together(postgres_server):
    url = _fresh_database(postgres_server)
    results: list[list[str]] = []
    threads = [threading.Thread(target=lambda: results.append(apply_migrations(url))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(len, results)) == [0, len(results[0]) + len(results[1])]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == max(map(len, results))

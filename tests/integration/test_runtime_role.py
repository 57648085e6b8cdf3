"""The app runs as a role that owns nothing (migrations/0004_runtime_role.sql): a compromised app
can use the bank as the API does, but cannot rewrite history or the schema.

Real PostgreSQL: a fresh database migrated by its owner, then a login role made a member of
iebank_runtime by `python -m ops migrate --app-role`, as the pipeline and the azd hook do.
"""

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest

from ops.runtime_role import grant_runtime_role
from tests.conftest import ROOT, LocalHost, _fresh_database
from tests.helpers import PASSWORD, deposit, make_admin, send_idempotency_key, sign_in, sign_up


def as_role(url: str, role: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}"))


@pytest.fixture(scope="module")
def owner_url(postgres_server: str) -> str:
    url = _fresh_database(postgres_server)
    subprocess.run([sys.executable, "-m", "ops", "migrate"], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "DATABASE_URL": url, "APP_ENV": "test"}, timeout=120)
    return url


@pytest.fixture(scope="module")
def runtime_url(owner_url: str) -> str:
    role = f"iebank_app_{secrets.token_hex(4)}"
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")  # name built from hex digits only
    made = subprocess.run([sys.executable, "-m", "ops", "migrate", "--app-role", role], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DATABASE_URL": owner_url, "APP_ENV": "test"})
    assert made.returncode == 0, made.stderr
    assert f"role {role}: granted, member of iebank_runtime" in made.stdout
    return as_role(owner_url, role)


@pytest.fixture
def app_db(runtime_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(runtime_url, autocommit=True) as conn:
        yield conn


def a_customer_account(owner_url: str) -> str:
    number = f"IE00IEBK{secrets.randbelow(10**14):014d}"
    with psycopg.connect(owner_url, autocommit=True) as conn:
        user = conn.execute(
            "INSERT INTO users (username, password_hash, full_name, email, country)"
            " VALUES (%s, 'x', 'R', %s, 'IE') RETURNING id",
            (f"r{secrets.token_hex(5)}", f"{secrets.token_hex(5)}@example.com")).fetchone()[0]
        conn.execute("INSERT INTO accounts (number, owner_id, name, currency, country)"
                     " VALUES (%s, %s, 'R', 'EUR', 'IE')", (number, user))
    return number


REFUSED = [
    "ALTER TABLE transfers DISABLE TRIGGER transfers_append_only",
    "ALTER TABLE entries DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_log_append_only ON audit_log",
    "ALTER TRIGGER entries_append_only ON entries RENAME TO gone",
    "CREATE OR REPLACE TRIGGER transfers_append_only BEFORE INSERT ON transfers"
    " FOR EACH ROW EXECUTE FUNCTION refuse_history_change()",
    "UPDATE transfers SET amount = 1",
    "DELETE FROM transfers",
    "UPDATE entries SET amount = 1",
    "DELETE FROM entries",
    "UPDATE audit_log SET action = 'nothing'",
    "DELETE FROM audit_log",
    "TRUNCATE entries",
    "TRUNCATE users CASCADE",
    "CREATE TABLE stolen (id int)",
    "CREATE FUNCTION post_transfer_free() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
    "DROP FUNCTION post_transfer(uuid, text, text, bigint, text, text, text, bytea, boolean, uuid, bytea, jsonb)",
    "ALTER TABLE accounts DROP CONSTRAINT accounts_customer_balance_not_negative",
    "UPDATE accounts SET owner_id = NULL",
    "UPDATE accounts SET currency = 'USD'",
    "DELETE FROM users",
    "DELETE FROM schema_migrations",
    "CREATE ROLE sneaky LOGIN SUPERUSER",
    "ALTER ROLE iebank_runtime CREATEROLE",
    "CREATE SCHEMA stolen",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_the_runtime_role_cannot_touch_triggers_history_or_the_schema(app_db, statement):
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
        app_db.execute(statement)
    # Refused for want of a grant, not by the append-only triggers (same SQLSTATE, other words).
    assert "permission denied" in str(refused.value) or "must be owner" in str(refused.value)


def test_the_ledger_is_unchanged_after_every_refused_statement(owner_url, app_db):
    account = a_customer_account(owner_url)
    deposit(owner_url, account, "10.00")
    for statement in REFUSED:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app_db.execute(statement)
    with psycopg.connect(owner_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%append_only'"
                            " AND tgenabled = 'O'").fetchone()[0] == 3
        assert conn.execute("SELECT sum(amount) FROM entries e JOIN accounts a ON a.id = e.account_id"
                            " WHERE a.number = %s", (account,)).fetchone()[0] == 1000


def test_the_runtime_role_posts_transfers_and_adds_users_and_accounts(owner_url, app_db):
    source, target = a_customer_account(owner_url), a_customer_account(owner_url)
    deposit(owner_url, source, "5.00")
    initiator = app_db.execute("SELECT owner_id FROM accounts WHERE number = %s", (source,)).fetchone()[0]
    posted = app_db.execute(
        "SELECT outcome FROM post_transfer(%s, %s, %s, 150, 'rent', 'transfer', %s, '\\x01'::bytea, true)",
        (initiator, source, target, secrets.token_hex(8))).fetchone()
    assert posted == ("posted",)
    user = app_db.execute("INSERT INTO users (username, password_hash, full_name, email, country)"
                          " VALUES (%s, 'x', 'N', %s, 'IE') RETURNING id",
                          (f"n{secrets.token_hex(5)}", f"{secrets.token_hex(5)}@example.com")).fetchone()[0]
    app_db.execute("INSERT INTO accounts (number, owner_id, name, currency, country)"
                   " VALUES (%s, %s, 'N', 'EUR', 'IE')", (f"IE00IEBK{secrets.randbelow(10**14):014d}", user))
    app_db.execute("UPDATE users SET active = false, updated_at = now() WHERE id = %s", (user,))
    app_db.execute("INSERT INTO audit_log (actor_username, action, target_type, target_id, correlation_id)"
                   " VALUES ('t', 'user.deactivated', 'user', %s, 'c')", (str(user),))
    app_db.execute("INSERT INTO login_throttle VALUES ('k', 1, now())"
                   " ON CONFLICT (username_key) DO UPDATE SET attempts = login_throttle.attempts + 1")
    app_db.execute("DELETE FROM login_throttle WHERE username_key = 'k'")
    app_db.execute("DELETE FROM idempotency_keys WHERE created_at < now() - interval '48 hours'")


def test_migrate_refuses_an_app_role_that_owns_the_schema(owner_url):
    owner = psycopg.connect(owner_url).info.user
    with pytest.raises(RuntimeError, match="administrator or owns tables"):
        grant_runtime_role(owner_url, owner)


def test_migrate_refuses_an_app_role_that_does_not_exist(owner_url):
    with pytest.raises(RuntimeError, match="does not exist"):
        grant_runtime_role(owner_url, f"nobody_{secrets.token_hex(4)}")


def test_the_whole_api_works_as_the_runtime_role(owner_url, runtime_url, tmp_path):
    admin, _ = make_admin(owner_url)
    host = LocalHost(runtime_url, tmp_path / "host.log").start()
    try:
        with httpx.Client(base_url=host.base_url, timeout=30, event_hooks={"request": [send_idempotency_key]}) as api:
            alice, bob = sign_up(api), sign_up(api)
            staff = {"Authorization": f"Bearer {sign_in(api, admin, PASSWORD)}"}
            deposited = api.post(f"/api/manage/accounts/{alice.account}/deposits", headers=staff,
                                 json={"amount": "20.00"})
            assert deposited.status_code == 201, deposited.text
            sent = api.post("/api/transfers", headers=alice.headers,
                            json={"from_account": alice.account, "to_account": bob.account, "amount": "7.50"})
            assert sent.status_code == 201, sent.text
            assert api.post("/api/accounts", headers=bob.headers,
                            json={"name": "Savings", "currency": "USD"}).status_code == 201
            history = api.get("/api/transactions", headers=bob.headers, params={"account": bob.account})
            assert history.status_code == 200 and len(history.json()["items"]) == 1
            renamed = api.patch(f"/api/manage/users/{bob.user_id}", headers=staff, json={"full_name": "Bob B"})
            assert renamed.status_code == 200, renamed.text
            assert api.get("/api/manage/audit", headers=staff).status_code == 200
            # Dual control (migrations/0012): filed, listed, approved by a second admin, as the runtime role.
            checker_name = make_admin(owner_url)[0]
            checker = {"Authorization": f"Bearer {sign_in(api, checker_name, PASSWORD)}"}
            filed = api.post(f"/api/manage/accounts/{bob.account}/deposits", headers=staff, json={"amount": "20000.00"})
            assert filed.status_code == 202, filed.text
            assert api.get("/api/manage/approvals", headers=checker).status_code == 200
            approved = api.post(f"/api/manage/approvals/{filed.json()['id']}/approve", headers=checker)
            assert approved.status_code == 200, approved.text
            rejected_one = api.post(f"/api/manage/accounts/{bob.account}/deposits", headers=staff,
                                    json={"amount": "30000.00"}).json()["id"]
            rejected = api.post(f"/api/manage/approvals/{rejected_one}/reject", headers=checker, json={"reason": "No"})
            assert rejected.status_code == 200, rejected.text
            failed = api.post("/api/auth/login", json={"username": alice.username, "password": "wrong-Pass-1"})
            assert failed.status_code == 401
            assert api.get("/api/health/ready").status_code == 200
    finally:
        host.stop()


def test_the_runtime_role_sets_up_pauses_and_runs_standing_orders(owner_url, runtime_url, run):
    """Its grants cover the timer's run (claiming with FOR UPDATE SKIP LOCKED, posting, recording)
    and the owner's creation (the account share-locked) and status changes."""
    import uuid
    from datetime import UTC, date, datetime

    from shared import account_numbers, standing_orders
    from shared.db import Database
    from shared.models import StandingOrderRequest
    from shared.settings import Settings

    numbers = []
    with psycopg.connect(owner_url, autocommit=True) as conn:
        for _ in range(2):
            user = conn.execute("INSERT INTO users (username, password_hash, full_name, email, country)"
                                " VALUES (%s, 'x', 'R', %s, 'IE') RETURNING id",
                                (f"r{secrets.token_hex(5)}", f"{secrets.token_hex(5)}@example.com")).fetchone()[0]
            numbers.append(account_numbers.generate())
            conn.execute("INSERT INTO accounts (number, owner_id, name, currency, country)"
                         " VALUES (%s, %s, 'R', 'EUR', 'IE')", (numbers[-1], user))
        owner = conn.execute("SELECT owner_id FROM accounts WHERE number = %s", (numbers[0],)).fetchone()[0]
    deposit(owner_url, numbers[0], "5.00")
    db = Database(Settings(app_env="test", database_url=runtime_url))
    command = StandingOrderRequest(from_account=numbers[0], to_account=numbers[1], amount="2.00",
                                   first_date=date(2032, 1, 5), frequency="weekly")
    now = datetime(2032, 1, 5, 9, tzinfo=UTC)
    try:
        order = run(standing_orders.create(db, owner, command, str(uuid.uuid4()), now))
        assert run(standing_orders.run_due(db, now)).posted == 1
        assert run(standing_orders.change_status(db, owner, order.id, "paused", now)).status == "paused"
        [paid] = run(standing_orders.executions(db, owner, order.id))
    finally:
        run(db.close())
    assert paid.status == "posted"

"""The one-off operator commands, run as an operator would: python -m ops ..."""

import os
import subprocess
import sys

import psycopg

from ops.migrations import apply_migrations
from tests.conftest import ROOT, _fresh_database
from tests.helpers import deposit


def ops(*args: str, database_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "test", **env}
    return subprocess.run([sys.executable, "-m", "ops", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_migrate_then_reconcile_a_consistent_bank_then_catch_a_tampered_balance(postgres_server):
    url = _fresh_database(postgres_server)
    assert "0001_core" in ops("migrate", database_url=url).stdout
    assert "up to date" in ops("migrate", database_url=url).stdout
    seeded = ops("seed-demo", database_url=url, BCRYPT_ROUNDS="4")
    assert seeded.returncode == 0 and "alice" in seeded.stdout
    clean = ops("reconcile", database_url=url)
    assert clean.returncode == 0 and "0 difference(s)" in clean.stdout
    with psycopg.connect(url, autocommit=True) as conn:
        number = conn.execute("SELECT number FROM accounts WHERE kind = 'customer' LIMIT 1").fetchone()[0]
        conn.execute("UPDATE accounts SET balance = balance + 1 WHERE number = %s", (number,))
    tampered = ops("reconcile", database_url=url)
    assert tampered.returncode == 1 and number in tampered.stdout


def test_reconcile_holds_after_deposits_and_the_system_account_mirrors_them(postgres_server):
    url = _fresh_database(postgres_server)
    apply_migrations(url)
    with psycopg.connect(url, autocommit=True) as conn:
        user = conn.execute("INSERT INTO users (username, password_hash, full_name, email, country) VALUES "
                            "('recon', 'x', 'R', 'r@example.com', 'IE') RETURNING id").fetchone()[0]
        conn.execute("INSERT INTO accounts (number, owner_id, name, currency, country) VALUES "
                     "('IE73IEBK00000000000042', %s, 'R', 'EUR', 'IE')", (user,))
    deposit(url, "IE73IEBK00000000000042", "12.34")
    with psycopg.connect(url) as conn:
        system = conn.execute("SELECT balance FROM accounts WHERE kind = 'system' AND currency = 'EUR'").fetchone()[0]
    assert system == -1234
    assert ops("reconcile", database_url=url).returncode == 0


def test_create_admin_reads_its_settings_and_refuses_without_a_password(postgres_server):
    url = _fresh_database(postgres_server)
    apply_migrations(url)
    missing = ops("create-admin", database_url=url, ADMIN_USERNAME="chief", ADMIN_PASSWORD="")
    assert missing.returncode == 2 and "ADMIN_PASSWORD" in missing.stderr
    made = ops("create-admin", database_url=url, ADMIN_USERNAME="chief", ADMIN_PASSWORD="Chief-pass-2026",
               BCRYPT_ROUNDS="4")
    assert made.returncode == 0 and "created" in made.stdout
    assert "Chief-pass-2026" not in made.stdout + made.stderr


def test_seed_demo_is_refused_in_prod(postgres_server):
    url = _fresh_database(postgres_server)
    tls_url = url + ("&" if "?" in url else "?") + "sslmode=require"
    refused = ops("seed-demo", database_url=tls_url, APP_ENV="prod", JWT_SIGNING_KEY="x" * 40, MAIL_TRANSPORT="acs",
                  ACS_EMAIL_ENDPOINT="https://iebank.europe.communication.azure.com",
                  PUBLIC_BASE_URL="https://bank.example", WEBAUTHN_RP_ID="bank.example",
                  WEBAUTHN_ORIGINS="https://bank.example", TOTP_ENCRYPTION_KEY="k" * 44)
    assert refused.returncode == 2 and "demo data is never seeded" in refused.stderr


def test_migrate_can_give_the_app_role_its_statement_timeout(postgres_server):
    url = _fresh_database(postgres_server)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS iebank_app_test")
        conn.execute("CREATE ROLE iebank_app_test LOGIN")
    done = ops("migrate", "--app-role", "iebank_app_test", database_url=url, DB_STATEMENT_TIMEOUT_MS="4321")
    assert done.returncode == 0, done.stderr
    with psycopg.connect(url) as conn:
        settings = conn.execute("SELECT setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole "
                                "WHERE r.rolname = 'iebank_app_test'").fetchone()[0]
    assert settings == ["statement_timeout=4321ms"]

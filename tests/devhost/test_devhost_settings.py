"""A bad or missing setting stops the local host at start, naming the variable (never its value)."""

import os
import subprocess
import sys

from tests.conftest import ROOT


def _start(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items()
             if not key.startswith(("JWT_", "DATABASE_", "APP_ENV", "KEY_VAULT", "WEBAUTHN_", "TOTP_"))}
    # Everything else prod needs, so that the setting under test is what stops the host.
    env = {"MAIL_TRANSPORT": "acs", "ACS_EMAIL_ENDPOINT": "https://iebank.europe.communication.azure.com",
           "PUBLIC_BASE_URL": "https://bank.example", "WEBAUTHN_RP_ID": "bank.example",
           "WEBAUTHN_ORIGINS": "https://bank.example", "TOTP_ENCRYPTION_KEY": "k" * 44, **env}
    return subprocess.run([sys.executable, "-m", "devhost", "--port", "0", "--no-embedded", "--no-timers"],
                          cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60, check=False)


def test_a_missing_signing_key_in_prod_stops_the_host_naming_the_variable():
    started = _start(APP_ENV="prod", DATABASE_URL="postgresql://app@db.example/iebank?sslmode=require")
    assert started.returncode == 3
    assert "refusing to start" in started.stderr and "JWT_SIGNING_KEY" in started.stderr


def test_a_short_signing_key_is_refused_without_showing_it():
    started = _start(APP_ENV="prod", DATABASE_URL="postgresql://app@db.example/iebank?sslmode=require",
                     JWT_SIGNING_KEY="short-secret-value")
    assert started.returncode == 3 and "JWT_SIGNING_KEY" in started.stderr
    assert "short-secret-value" not in started.stderr + started.stdout

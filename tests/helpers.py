"""Small helpers for tests: unique names, and setting up users and money through the real code."""

import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from shared.auth import Principal

PASSWORD = "Sup3r-secret-pw"


def send_idempotency_key(request: httpx.Request) -> None:
    """An httpx request hook: a fresh Idempotency-Key on every POST that moves money and has none,
    as the SPA sends one. The API refuses such a POST without a key (428): tests of that use a
    client without this hook (tests/api/test_customer_api.py)."""
    if request.method == "POST" and request.url.path.endswith(("/transfers", "/deposits", "/standing-orders")) \
            and "idempotency-key" not in request.headers:
        request.headers["Idempotency-Key"] = str(uuid.uuid4())


def unique(prefix: str = "u") -> str:
    return f"{prefix}{secrets.token_hex(5)}"


def register_body(username: str | None = None, **overrides: Any) -> dict[str, Any]:
    username = username or unique()
    body = {"username": username, "password": PASSWORD, "password_confirmation": PASSWORD,
            "full_name": "Test Person", "email": f"{username}@example.com", "country": "IE"}
    body.update(overrides)
    return body


@dataclass
class Customer:
    username: str
    token: str
    user_id: str
    account: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def sign_up(api: httpx.Client, username: str | None = None) -> Customer:
    body = register_body(username)
    created = api.post("/api/auth/register", json=body)
    assert created.status_code == 201, created.text
    token = sign_in(api, body["username"], PASSWORD)
    return Customer(body["username"], token, created.json()["user"]["id"], created.json()["account"]["number"])


# The passkey each admin made by make_admin holds, by lower-cased username: staff must hold a
# second factor, and sign_in answers the factor step with it as a browser would.
_AUTHENTICATORS: dict[str, Any] = {}


def authenticator_for(username: str) -> Any:
    return _AUTHENTICATORS[username.lower()]


def login(api: httpx.Client, username: str, password: str) -> httpx.Response:
    """POST /api/auth/login, and the factor step after it when the user holds a passkey made here."""
    response = api.post("/api/auth/login", json={"username": username, "password": password})
    authenticator = _AUTHENTICATORS.get(username.lower())
    if response.status_code != 200 or response.json().get("status") != "factor_required" or authenticator is None:
        return response
    started = response.json()
    return api.post("/api/auth/login/factor", json={
        "challenge_id": started["challenge_id"], "method": "passkey",
        "credential": authenticator.assert_(started["passkey_options"])})


def sign_in(api: httpx.Client, username: str, password: str) -> str:
    response = login(api, username, password)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "signed_in", response.text
    return str(response.json()["access_token"])


def make_admin(database_url: str, username: str | None = None, *, with_factor: bool = True) -> tuple[str, str]:
    """An active admin (ops create-admin), holding a passkey unless told not to: an admin without a
    second factor is sent to enrol before any /api/manage/ route answers."""
    from ops.admin import ensure_admin

    username = username or unique("staff")
    ensure_admin(database_url, username, PASSWORD, bcrypt_rounds=4)
    if with_factor and username.lower() not in _AUTHENTICATORS:
        give_passkey(database_url, username)
    return username, PASSWORD


def give_passkey(database_url: str, username: str) -> Any:
    """A passkey for the user, as registering one through /api/me/passkeys would store it, held by
    a software authenticator (tests/webauthn_authenticator.py) on the local relying party, which
    sign_in then answers the factor step with."""
    import psycopg

    from tests.webauthn_authenticator import SoftAuthenticator

    authenticator = SoftAuthenticator()
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("SELECT id FROM users WHERE lower(username) = lower(%s)", (username,)).fetchone()
        assert row is not None
        authenticator.user_handle = row[0].bytes
        conn.execute("INSERT INTO passkeys (user_id, credential_id, public_key, name) VALUES (%s, %s, %s, 'tests')",
                     (row[0], authenticator.credential_id, authenticator.cose_public_key()))
    _AUTHENTICATORS[username.lower()] = authenticator
    return authenticator


def deposit(database_url: str, account: str, amount: str) -> None:
    """Puts money into an account the way the bank does: a deposit from its system account."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT outcome FROM post_transfer(NULL, NULL, %s, %s, 'test deposit', 'deposit', NULL, ''::bytea, false)",
            (account, int(Decimal(amount) * 100)),
        ).fetchone()
        assert row is not None and row[0] == "posted", row


def staff_principal(database_url: str) -> Principal:
    username, _ = make_admin(database_url)
    import psycopg

    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT id FROM users WHERE username = %s", (username,)).fetchone()
    assert row is not None
    return Principal(id=uuid.UUID(str(row[0])), username=username, role="admin")


def signed_in(run, runtime, user_id: uuid.UUID, role: str = "user"):
    """The credentials a script holds after signing in: a real session row and the token naming
    it, for tests that call use cases (the ledger) below HTTP."""
    from shared import sessions
    from shared.auth import Credentials
    from shared.repositories import users

    async def start():
        async with runtime.db.unit_of_work() as uow:
            user = await users.by_id(uow, user_id)
            assert user is not None
            signed = await sessions.start(uow, runtime.tokens, runtime.session_policy, user, "full", "tests")
            await uow.commit()
        return Credentials(signed.session.id, None, user_id, role)

    return run(start())


def enrol_totp(api: httpx.Client, headers: dict[str, str]) -> tuple[Any, list[str]]:
    """Sets up an authenticator app as the Security page does; its pyotp.TOTP and the recovery codes."""
    from urllib.parse import parse_qs, urlsplit

    import pyotp

    started = api.post("/api/me/totp", headers=headers)
    assert started.status_code == 201, started.text
    assert started.json()["qr_svg"].lstrip().startswith("<svg")
    totp = pyotp.TOTP(parse_qs(urlsplit(started.json()["otpauth_uri"]).query)["secret"][0])
    confirmed = api.post("/api/me/totp/confirm", json={"code": totp.now()}, headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    return totp, confirmed.json()["recovery_codes"]

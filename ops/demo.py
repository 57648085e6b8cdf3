"""Demo data for the local host: an admin and two customers with money in a few accounts.

Passwords are generated per database and kept beside it (never in the repository); they are
printed when the local host starts.
"""

import json
import os
import secrets
import uuid
from pathlib import Path

from ops.admin import ensure_admin
from shared import accounts, ledger, users
from shared.auth import Principal
from shared.db import Database
from shared.models import DepositRequest, OpenAccountRequest
from shared.passwords import PasswordHasher
from shared.settings import Settings

_CUSTOMERS = [
    {"username": "alice", "full_name": "Alice Byrne", "email": "alice@example.com", "country": "IE",
     "accounts": [("Everyday", "EUR", "2500.00"), ("Savings", "EUR", "10000.00"), ("Travel", "USD", "800.00")]},
    {"username": "bob", "full_name": "Bob Murphy", "email": "bob@example.com", "country": "IE",
     "accounts": [("Everyday", "EUR", "1200.00"), ("Holiday", "GBP", "300.00")]},
]


def _password() -> str:
    return "demo-" + secrets.token_urlsafe(9) + "7"


def seed_demo_data(database_url: str, state_dir: Path | None = None) -> list[dict[str, str]]:
    """Creates the demo users once; returns their credentials (username, password, role)."""
    state_file = (state_dir or Path(".data")) / "demo-credentials.json"
    if state_file.exists():
        known = json.loads(state_file.read_text())
        if _all_present(database_url, [c["username"] for c in known]):
            return list(known)
    settings = Settings(database_url=database_url, app_env="local", db_pool_min_size=0, db_pool_max_size=2,
                        bcrypt_rounds=int(os.environ.get("BCRYPT_ROUNDS", "10")))
    hasher = PasswordHasher(settings.bcrypt_rounds)
    db = Database(settings)
    credentials = []
    try:
        admin_username = os.environ.get("ADMIN_USERNAME") or "admin"
        admin_password = os.environ.get("ADMIN_PASSWORD") or _password()
        ensure_admin(database_url, admin_username, admin_password, bcrypt_rounds=settings.bcrypt_rounds)
        credentials.append({"username": admin_username, "password": admin_password, "role": "admin"})
        with db.session() as session:
            admin_row = session.fetch_one("SELECT id, username FROM users WHERE lower(username) = lower(%s)",
                                          (admin_username,))
        assert admin_row is not None
        staff = Principal(id=admin_row["id"], username=admin_row["username"], role="admin")
        for customer in _CUSTOMERS:
            password = _password()
            _reset_or_create(db, hasher, customer, password, staff)
            credentials.append({"username": str(customer["username"]), "password": password, "role": "user"})
    finally:
        db.close()
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(credentials, indent=2))
    state_file.chmod(0o600)
    return credentials


def _all_present(database_url: str, usernames: list[str]) -> bool:
    import psycopg

    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM users WHERE lower(username) = ANY(%s)",
                           ([name.lower() for name in usernames],)).fetchone()
    return row is not None and row[0] == len(usernames)


def _reset_or_create(db: Database, hasher: PasswordHasher, customer: dict, password: str, staff: Principal) -> None:
    with db.session() as session:
        existing = session.fetch_one("SELECT id FROM users WHERE lower(username) = %s", (customer["username"],))
        if existing is not None:
            session.execute("UPDATE users SET password_hash = %s WHERE id = %s",
                            (hasher.hash(password), existing["id"]))
            return
    with db.transaction() as session:
        user = users.insert_user(session, customer["username"], hasher.hash(password), customer["full_name"],
                                 customer["email"], customer["country"], "user")
    owner = Principal(id=user.id, username=user.username, role="user")
    for name, currency, amount in customer["accounts"]:
        account = accounts.open_account(db, owner, OpenAccountRequest(name=name, currency=currency))
        ledger.deposit(db, staff, account.number,
                       DepositRequest(amount=amount, description="Opening deposit (demo data)"),
                       idempotency_key=f"demo-{uuid.uuid4()}", correlation_id="ops-seed-demo")

"""Demo data for the local host: an admin and two customers with money in a few accounts.

Passwords are generated per database and kept beside it (never in the repository); they are
printed when the local host starts. The customers are made by the app's own use cases.
"""

import json
import os
import secrets
import uuid
from pathlib import Path
from typing import Any

from ops.admin import ensure_admin
from ops.database import run_use_case
from shared import accounts, ledger
from shared.auth import Principal
from shared.db import Database
from shared.models import DepositRequest, OpenAccountRequest
from shared.passwords import PasswordHasher
from shared.repositories import users

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
        if _all_present(database_url, [credential["username"] for credential in known]):
            return list(known)
    bcrypt_rounds = int(os.environ.get("BCRYPT_ROUNDS", "10"))
    admin_username = os.environ.get("ADMIN_USERNAME") or "admin"
    admin_password = os.environ.get("ADMIN_PASSWORD") or _password()
    ensure_admin(database_url, admin_username, admin_password, bcrypt_rounds=bcrypt_rounds)
    credentials = [{"username": admin_username, "password": admin_password, "role": "admin"}]
    passwords = {str(customer["username"]): _password() for customer in _CUSTOMERS}

    async def create_customers(db: Database) -> None:
        hasher = PasswordHasher(bcrypt_rounds)
        async with db.reader() as read:
            admin = await users.by_username(read, admin_username)
        assert admin is not None
        staff = Principal(id=admin.id, username=admin.username, role="admin")
        for customer in _CUSTOMERS:
            await _reset_or_create(db, hasher, customer, passwords[str(customer["username"])], staff)

    run_use_case(database_url, create_customers)
    credentials += [{"username": name, "password": password, "role": "user"} for name, password in passwords.items()]
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(credentials, indent=2))
    state_file.chmod(0o600)
    return credentials


def _all_present(database_url: str, usernames: list[str]) -> bool:
    async def check(db: Database) -> bool:
        async with db.reader() as read:
            return all([await users.by_username(read, name) is not None for name in usernames])

    return run_use_case(database_url, check)


async def _reset_or_create(db: Database, hasher: PasswordHasher, customer: dict[str, Any], password: str,
                           staff: Principal) -> None:
    password_hash = await hasher.hash(password)
    async with db.unit_of_work() as uow:
        existing = await users.lock_by_username(uow, customer["username"])
        if existing is not None:
            await users.set_password_hash(uow, existing[0].id, password_hash)
            await uow.commit()
            return
        # Only the accounts listed above: no first account as registration opens one.
        user = await users.insert(uow, customer["username"], password_hash, customer["full_name"],
                                  customer["email"], customer["country"], "user")
        await uow.commit()
    for name, currency, amount in customer["accounts"]:
        account = await accounts.open_account(db, user.id, OpenAccountRequest(name=name, currency=currency),
                                              max_open=len(customer["accounts"]))
        await ledger.deposit(db, staff, account.number,
                             DepositRequest(amount=amount, description="Opening deposit (demo data)"),
                             idempotency_key=f"demo-{uuid.uuid4()}", correlation_id="ops-seed-demo")

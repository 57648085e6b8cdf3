"""The bank's admin from day one: create or update it from ADMIN_USERNAME / ADMIN_PASSWORD."""

import json

import psycopg
from psycopg.rows import dict_row

from shared.models import Username
from shared.passwords import PasswordHasher, check_password_policy
from shared.settings import ConfigurationError

PROD_MIN_LENGTH = 12


def check_admin_password(password: str | None, app_env: str) -> str:
    """The written policy everywhere; in prod also at least 12 characters. No default, ever."""
    if not password:
        raise ConfigurationError("ADMIN_PASSWORD (or the Key Vault secret admin-password) is required")
    try:
        check_password_policy(password)
    except ValueError as exc:
        raise ConfigurationError(f"ADMIN_PASSWORD {exc}") from None
    if app_env == "prod" and len(password) < PROD_MIN_LENGTH:
        raise ConfigurationError(f"ADMIN_PASSWORD must have at least {PROD_MIN_LENGTH} characters in prod")
    return password


def ensure_admin(database_url: str, username: str, password: str, app_env: str = "local",
                 bcrypt_rounds: int = 12, email: str | None = None) -> str:
    """Creates the admin, or makes the existing user an active admin with this password.
    Returns "created", "updated" or "unchanged": a second run with the same input changes nothing."""
    from pydantic import TypeAdapter, ValidationError

    try:
        username = TypeAdapter(Username).validate_python(username)
    except ValidationError:
        raise ConfigurationError("ADMIN_USERNAME must be 3 to 32 letters, digits, '.', '_' or '-'") from None
    check_admin_password(password, app_env)
    hasher = PasswordHasher(bcrypt_rounds)
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        user = conn.execute("SELECT id, role, active, password_hash FROM users WHERE lower(username) = lower(%s)"
                            " FOR UPDATE", (username,)).fetchone()
        if user is None:
            row = conn.execute(
                "INSERT INTO users (username, password_hash, full_name, email, country, role)"
                " VALUES (%s, %s, 'Bank administrator', %s, 'IE', 'admin') RETURNING id",
                (username, hasher.hash(password), email or f"{username.lower()}@iebank.example"),
            ).fetchone()
            assert row is not None
            _audit(conn, str(row["id"]), "admin.create", {"username": username})
            return "created"
        password_ok = hasher.verify(password, user["password_hash"])
        if user["role"] == "admin" and user["active"] and password_ok:
            return "unchanged"
        conn.execute("UPDATE users SET role = 'admin', active = true, password_hash = %s, updated_at = now()"
                     " WHERE id = %s", (user["password_hash"] if password_ok else hasher.hash(password), user["id"]))
        _audit(conn, str(user["id"]), "admin.update",
               {"role": {"before": user["role"], "after": "admin"},
                "active": {"before": user["active"], "after": True}, "password_changed": not password_ok})
        return "updated"


def _audit(conn: psycopg.Connection, user_id: str, action: str, changes: dict[str, object]) -> None:
    conn.execute(
        "INSERT INTO audit_log (actor_id, actor_username, action, target_type, target_id, changes, correlation_id)"
        " VALUES (NULL, 'system', %s, 'user', %s, %s::jsonb, 'ops-create-admin')",
        (action, user_id, json.dumps(changes)),
    )

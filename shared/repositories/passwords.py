"""Password hashes, temporary passwords set by staff, and emailed reset links."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from shared.db import Reader, UnitOfWork


async def password_hash(db: Reader, user_id: UUID) -> str | None:
    row = await db.fetch_one("SELECT password_hash FROM users WHERE id = %s AND active", (user_id,))
    return row["password_hash"] if row is not None else None


async def temporary_password_valid(db: Reader, user_id: UUID) -> bool | None:
    """None: the user's password is their own; True: a temporary one, still valid; False: expired."""
    row = await db.fetch_one("SELECT expires_at > now() AS valid FROM temporary_passwords WHERE user_id = %s",
                             (user_id,))
    return bool(row["valid"]) if row is not None else None


async def set_temporary(uow: UnitOfWork, user_id: UUID, issued_by: UUID, password_hash: str,
                        ttl_seconds: int) -> datetime:
    await uow.execute("UPDATE users SET password_hash = %s, updated_at = now() WHERE id = %s", (password_hash, user_id))
    row = await uow.fetch_one(
        "INSERT INTO temporary_passwords (user_id, issued_by, expires_at)"
        " VALUES (%(user)s, %(staff)s, now() + %(ttl)s * interval '1 second')"
        " ON CONFLICT (user_id) DO UPDATE SET issued_by = excluded.issued_by, expires_at = excluded.expires_at"
        " RETURNING expires_at", {"user": user_id, "staff": issued_by, "ttl": ttl_seconds})
    assert row is not None
    expires_at: datetime = row["expires_at"]
    return expires_at


async def set_own(uow: UnitOfWork, user_id: UUID, password_hash: str) -> None:
    """The user's own new password: any temporary one and any reset link outstanding are void."""
    await uow.execute("UPDATE users SET password_hash = %s, updated_at = now() WHERE id = %s", (password_hash, user_id))
    await uow.execute("DELETE FROM temporary_passwords WHERE user_id = %s", (user_id,))
    await uow.execute("UPDATE password_reset_tokens SET used_at = now() WHERE user_id = %s AND used_at IS NULL",
                      (user_id,))


@dataclass(frozen=True)
class ResetRecipient:
    user_id: UUID
    email: str
    full_name: str


# One statement whether or not anyone has that username or email, so the two cost the same. A
# deactivated user gets no link (they could not sign in with it), and at most a few links an
# hour reach one user however often someone asks.
_CREATE_RESET_LINK = """
WITH recipient AS (
    SELECT u.id, u.email, u.full_name FROM users u
     WHERE (lower(u.username) = lower(%(login)s) OR lower(u.email) = lower(%(login)s)) AND u.active
       AND (SELECT count(*) FROM password_reset_tokens t
             WHERE t.user_id = u.id AND t.created_at > now() - interval '1 hour') < %(per_hour)s
     LIMIT 1
), created AS (
    INSERT INTO password_reset_tokens (user_id, token_hash, expires_at)
    SELECT r.id, %(hash)s, now() + %(ttl)s * interval '1 second' FROM recipient r
    RETURNING user_id
)
SELECT r.id AS user_id, r.email, r.full_name FROM recipient r JOIN created c ON c.user_id = r.id
"""


async def create_reset_token(uow: UnitOfWork, login: str, token_hash: bytes, ttl_seconds: int,
                             per_hour: int) -> ResetRecipient | None:
    row = await uow.commit_with(_CREATE_RESET_LINK, {"login": login, "hash": token_hash, "ttl": ttl_seconds,
                                                      "per_hour": per_hour})
    return ResetRecipient(row["user_id"], row["email"], row["full_name"]) if row is not None else None


async def reset_token_user(db: Reader, token_hash: bytes) -> UUID | None:
    """Whose unused, unexpired reset link this is."""
    row = await db.fetch_one("SELECT t.user_id FROM password_reset_tokens t JOIN users u ON u.id = t.user_id"
                             " WHERE t.token_hash = %s AND t.used_at IS NULL AND t.expires_at > now() AND u.active",
                             (token_hash,))
    return row["user_id"] if row is not None else None


async def use_reset_token(uow: UnitOfWork, token_hash: bytes) -> UUID | None:
    """Marks the link used (once: a second use, even a concurrent one, finds nothing)."""
    row = await uow.fetch_one("UPDATE password_reset_tokens SET used_at = now()"
                              " WHERE token_hash = %s AND used_at IS NULL AND expires_at > now() RETURNING user_id",
                              (token_hash,))
    return row["user_id"] if row is not None else None


async def purge_ended(uow: UnitOfWork, older_than_hours: int) -> int:
    return await uow.execute("DELETE FROM password_reset_tokens WHERE expires_at < now() - %s * interval '1 hour'",
                             (older_than_hours,))

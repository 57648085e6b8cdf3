"""Sessions: created at sign-in, checked (and their activity noted) on every request, revoked."""

from uuid import UUID

from shared.db import Reader, Row, UnitOfWork
from shared.domain import Session, User

_SESSION = """s.id, s.user_id, s.purpose, s.user_agent, s.created_at, s.last_used_at, s.strongly_authenticated_at,
              s.last_used_at + s.idle_seconds * interval '1 second' AS idle_expires_at, s.expires_at"""

# Live: not revoked, not past its absolute end, used within its idle limit, its user active.
_LIVE = """s.revoked_at IS NULL AND s.expires_at > now()
           AND s.last_used_at > now() - s.idle_seconds * interval '1 second'"""


def _session(row: Row) -> Session:
    return Session(**{key: row[key] for key in Session.__dataclass_fields__})


async def insert(uow: UnitOfWork, user_id: UUID, secret_hash: bytes, purpose: str, user_agent: str | None,
                 idle_seconds: int, max_seconds: int, strongly_authenticated: bool = False) -> Session:
    row = await uow.fetch_one(
        "INSERT INTO sessions AS s (user_id, secret_hash, purpose, user_agent, idle_seconds, expires_at,"
        " strongly_authenticated_at) VALUES (%s, %s, %s, %s, %s, now() + %s * interval '1 second',"
        " CASE WHEN %s THEN now() END) RETURNING " + _SESSION,
        (user_id, secret_hash, purpose, user_agent, idle_seconds, max_seconds, strongly_authenticated))
    assert row is not None
    return _session(row)


# One statement, its own transaction: the session's check and, at most every thirtieth of its idle
# limit, the note of its activity (post_transfer does the same for transfers). A cookie request
# names the session and proves it with the secret's digest; a token's signature proves the id.
_AUTHENTICATE = """
WITH live AS (
    SELECT s.*, u.username, u.full_name, u.email, u.country, u.role, u.active, u.created_at AS user_created_at,
           u.second_factor_required
      FROM sessions s JOIN users u ON u.id = s.user_id AND u.active
     WHERE s.id = %(id)s AND (%(secret)s::bytea IS NULL OR s.secret_hash = %(secret)s::bytea) AND """ + _LIVE + """
), touched AS (
    UPDATE sessions t SET last_used_at = now() FROM live
     WHERE t.id = live.id AND live.last_used_at < now() - live.idle_seconds * interval '1 second' / 30
 RETURNING t.last_used_at
)
SELECT live.id, live.user_id, live.purpose, live.user_agent, live.created_at, live.expires_at,
       live.strongly_authenticated_at, live.second_factor_required,
       live.username, live.full_name, live.email, live.country, live.role, live.active, live.user_created_at,
       coalesce((SELECT last_used_at FROM touched), live.last_used_at) AS last_used_at,
       coalesce((SELECT last_used_at FROM touched), live.last_used_at)
         + live.idle_seconds * interval '1 second' AS idle_expires_at
  FROM live
"""


async def authenticate(uow: UnitOfWork, session_id: UUID, secret_hash: bytes | None) -> tuple[User, Session] | None:
    """The live session and its active user, its activity noted; None when either is not."""
    row = await uow.commit_with(_AUTHENTICATE, {"id": session_id, "secret": secret_hash})
    if row is None:
        return None
    user = User(id=row["user_id"], username=row["username"], full_name=row["full_name"], email=row["email"],
                country=row["country"], role=row["role"], active=row["active"], created_at=row["user_created_at"],
                second_factor_required=row["second_factor_required"])
    return user, _session(row)


async def live_of_user(db: Reader, user_id: UUID) -> list[Session]:
    return [_session(row) for row in await db.fetch_all(
        "SELECT " + _SESSION + " FROM sessions s WHERE s.user_id = %s AND " + _LIVE
        + " ORDER BY s.last_used_at DESC, s.id", (user_id,))]


async def revoke(uow: UnitOfWork, user_id: UUID, session_id: UUID, reason: str) -> bool:
    """Revokes one live session of the user; False when they have no such session."""
    return await uow.execute("UPDATE sessions s SET revoked_at = now(), revoked_reason = %s"
                             " WHERE s.id = %s AND s.user_id = %s AND " + _LIVE,
                             (reason, session_id, user_id)) == 1


async def end(uow: UnitOfWork, session_id: UUID, secret_hash: bytes | None) -> bool:
    """Sign-out: revokes the session the request proves (by the cookie's secret, or the id a
    signed token names)."""
    return await uow.execute("UPDATE sessions s SET revoked_at = now(), revoked_reason = 'logout'"
                             " WHERE s.id = %(id)s AND (%(secret)s::bytea IS NULL OR s.secret_hash = %(secret)s::bytea)"
                             " AND s.revoked_at IS NULL", {"id": session_id, "secret": secret_hash}) == 1


async def revoke_all(uow: UnitOfWork, user_id: UUID, reason: str, keep: UUID | None = None) -> int:
    """Revokes every session of the user (but `keep`), live or idle, so none can come back."""
    return await uow.execute("UPDATE sessions s SET revoked_at = now(), revoked_reason = %s"
                             " WHERE s.user_id = %s AND s.revoked_at IS NULL AND s.id IS DISTINCT FROM %s",
                             (reason, user_id, keep))


async def allow_everything(uow: UnitOfWork, session_id: UUID) -> None:
    """After the password change a temporary password asked for, the session may do the rest."""
    await uow.execute("UPDATE sessions SET purpose = 'full' WHERE id = %s", (session_id,))


async def purge_ended(uow: UnitOfWork, older_than_hours: int) -> int:
    """Sessions revoked or ended more than the given hours ago (housekeeping)."""
    return await uow.execute(
        "DELETE FROM sessions s WHERE coalesce(s.revoked_at, least(s.expires_at,"
        " s.last_used_at + s.idle_seconds * interval '1 second')) < now() - %s * interval '1 hour'",
        (older_than_hours,))


async def mark_strongly_authenticated(uow: UnitOfWork, session_id: UUID) -> None:
    """The session proved a second factor just now (a step-up): factor changes may follow."""
    await uow.execute("UPDATE sessions SET strongly_authenticated_at = now() WHERE id = %s", (session_id,))

"""Sessions: started by a sign-in, listed and revoked by their user, ended by sign-out.

The session row is the single source of truth: a cookie and an access token are only references
to it, so revoking the row ends both at once (shared/auth.py checks it on every request).
"""

import secrets
from dataclasses import dataclass
from uuid import UUID

from shared import audit
from shared.auth import Credentials, Principal, cookie_value, secret_digest
from shared.db import Database, UnitOfWork
from shared.domain import CurrentSession, Session, SignIn, User
from shared.errors import NotAuthenticated, NotFound
from shared.repositories import sessions
from shared.tokens import TokenService

_USER_AGENT_LIMIT = 256


@dataclass(frozen=True)
class SessionPolicy:
    idle_seconds: int
    max_seconds: int


async def start(uow: UnitOfWork, tokens: TokenService, policy: SessionPolicy, user: User, purpose: str,
                user_agent: str | None, *, strongly_authenticated: bool = False) -> SignIn:
    """A new session for a user who has just proved who they are, in the caller's unit of work
    (a new id and secret each time: a session fixed before sign-in is never reused);
    strongly_authenticated when a second factor or a passkey proved it too."""
    secret = secrets.token_urlsafe(32)
    agent = (user_agent or "")[:_USER_AGENT_LIMIT].strip() or None
    session = await sessions.insert(uow, user.id, secret_digest(secret), purpose, agent,
                                    policy.idle_seconds, policy.max_seconds, strongly_authenticated)
    return SignIn(user, session, cookie_value(session.id, secret), tokens.issue(user.id, user.role, session.id),
                  tokens.ttl_seconds)


async def current(db: Database, session: Session) -> CurrentSession:
    from shared.repositories import users

    async with db.reader() as read:
        user = await users.by_id(read, session.user_id)
    if user is None:
        raise NotAuthenticated("Your session has ended. Sign in again.")
    return CurrentSession(user, session)


def access_token(tokens: TokenService, principal: Principal) -> tuple[str, int]:
    """A fresh access token for the caller's live session (scripts refresh with it)."""
    assert principal.session_id is not None
    return tokens.issue(principal.id, principal.role, principal.session_id), tokens.ttl_seconds


async def sign_out(db: Database, creds: Credentials | None) -> None:
    """Revokes the session the request names, if it is live; nothing to do otherwise (signing
    out twice, or after the session ended, is not an error)."""
    if creds is None:
        return
    async with db.unit_of_work() as uow:
        await sessions.end(uow, creds.session_id, creds.secret_hash)
        await uow.commit()


async def list_live(db: Database, caller: Principal) -> list[Session]:
    async with db.reader() as read:
        return await sessions.live_of_user(read, caller.id)


async def revoke(db: Database, caller: Principal, session_id: UUID, correlation_id: str) -> None:
    async with db.unit_of_work() as uow:
        if not await sessions.revoke(uow, caller.id, session_id, "revoked"):
            raise NotFound("You have no live session with that id.")
        await audit.record(uow, caller, "auth.session_revoked", "session", str(session_id), {}, correlation_id)
        await uow.commit()


async def revoke_others(db: Database, caller: Principal, correlation_id: str) -> int:
    """Signs the caller out everywhere but here."""
    async with db.unit_of_work() as uow:
        count = await sessions.revoke_all(uow, caller.id, "revoked_all", keep=caller.session_id)
        await audit.record(uow, caller, "auth.sessions_revoked", "user", str(caller.id), {"sessions": count},
                           correlation_id)
        await uow.commit()
    return count

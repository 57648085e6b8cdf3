"""Who is calling: the session behind a cookie or an access token, checked against its row in the
database (and its user's current state) on every request.

Two ways in, one session: a browser holds the session cookie (an opaque secret, HttpOnly, never
readable by a script) and must send X-Requested-With with it; a script holds a short access token
that names the session. Either way the session row decides: revoked, idle or ended is 401.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

from shared.errors import CsrfHeaderMissing, Forbidden, NotAuthenticated, PasswordChangeRequired

if TYPE_CHECKING:  # both import heavy libraries; this module stays light for cold start
    from shared.db import Database
    from shared.domain import Session
    from shared.tokens import TokenService

SESSION_COOKIE = "__Host-iebank-session"
CSRF_HEADER = "x-requested-with"
CSRF_HEADER_VALUE = "iebank"


@dataclass(frozen=True)
class Principal:
    id: UUID
    username: str
    role: str
    session_id: UUID | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Credentials:
    """What a request proves before the database is asked: a session id, with the digest of the
    cookie's secret (cookie) or with the user a signed token names (token)."""

    session_id: UUID
    secret_hash: bytes | None = field(default=None, repr=False)
    user_id: UUID | None = None  # known from a token; a cookie names only its session
    role: str = ""


def secret_digest(secret: str) -> bytes:
    """Only this digest of a session secret or a reset token is stored: a copy of the table lets no
    one in. (SHA-256, not bcrypt: the secret is 256 random bits, not something a person chose.)"""
    return hashlib.sha256(secret.encode()).digest()


def cookie_value(session_id: UUID, secret: str) -> str:
    return f"{session_id}.{secret}"


def set_cookie_header(value: str) -> str:
    # No Max-Age: the cookie ends with the browser; the session's idle and absolute limits are
    # the server's. __Host- means Secure, Path=/ and no Domain, so no subdomain can set or read it.
    return f"{SESSION_COOKIE}={value}; Path=/; Secure; HttpOnly; SameSite=Strict"


def clear_cookie_header() -> str:
    return f"{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"


def _cookie(cookie_header: str | None) -> str | None:
    for part in (cookie_header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE and value:
            return value
    return None


def credentials(headers: Mapping[str, str], tokens: "TokenService") -> Credentials:
    """The request's credentials, checked as far as can be without the database: a token's
    signature and expiry, or the cookie's shape and the CSRF header. Raises NotAuthenticated
    (401) or CsrfHeaderMissing (403)."""
    get = headers.get
    authorization = get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("Send an access token: Authorization: Bearer <token>.")
        claims = tokens.verify(token.strip())
        return Credentials(claims.session_id, None, claims.user_id, claims.role)
    cookie = _cookie(get("cookie"))
    if cookie is None:
        raise NotAuthenticated("Sign in first.")
    # Cross-site requests carry no cookie (SameSite=Strict); a form posted from another site
    # cannot add a header either, so this is the second, independent defence.
    if (get(CSRF_HEADER) or "").strip().lower() != CSRF_HEADER_VALUE:
        raise CsrfHeaderMissing(f"Send the header X-Requested-With: {CSRF_HEADER_VALUE} with the session cookie.")
    session_text, _, secret = cookie.partition(".")
    try:
        session_id = UUID(session_text)
    except ValueError:
        raise NotAuthenticated("Your session has ended. Sign in again.") from None
    if not secret:
        raise NotAuthenticated("Your session has ended. Sign in again.")
    return Credentials(session_id, secret_digest(secret))


@dataclass(frozen=True)
class EnrolmentGate:
    """Who must hold a second factor before a route answers (shared/strong_auth.py)."""

    enforced: bool
    customers_required: bool


async def authenticate(db: "Database", creds: Credentials, require_admin: bool,
                       allowed_during_password_change: bool = False,
                       gate: EnrolmentGate | None = None) -> "tuple[Principal, Session]":
    """The live session's active user. Role, active flag and revocation are read from the
    database on every route (the transfer's own statement does it there), so a signed-out,
    deactivated or demoted user loses access at once, whatever their cookie or token says."""
    from shared.repositories import sessions

    async with db.unit_of_work() as uow:
        found = await sessions.authenticate(uow, creds.session_id, creds.secret_hash)
    if found is None or (creds.user_id is not None and found[0].id != creds.user_id):
        raise NotAuthenticated("Your session has ended. Sign in again.")
    user, session = found
    if session.password_change_required and not allowed_during_password_change:
        raise PasswordChangeRequired("Choose a new password first: you signed in with a temporary one.")
    if gate is not None:
        from shared.strong_auth import refuse_until_enrolled

        refuse_until_enrolled(user, session, enforced=gate.enforced, customers_required=gate.customers_required)
    principal = Principal(id=user.id, username=user.username, role=user.role, session_id=session.id)
    if require_admin and not principal.is_admin:
        raise Forbidden("This needs a bank staff account.")
    return principal, session


def signed_out_credentials(headers: Mapping[str, str], tokens: "TokenService") -> Credentials | None:
    """Sign-out's view of the request: the session it names, or None when it names none that
    could be live (an expired token, no cookie). The CSRF header is still required with a
    cookie: a cross-site form must not sign anyone out either."""
    try:
        return credentials(headers, tokens)
    except NotAuthenticated:
        return None

"""Who is calling: the bearer token, checked against the user's current state in the database."""

from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from shared.errors import Forbidden, NotAuthenticated

if TYPE_CHECKING:  # both import heavy libraries; this module stays light for cold start
    from shared.db import Database
    from shared.tokens import Claims


@dataclass(frozen=True)
class Principal:
    id: UUID
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("Send an access token: Authorization: Bearer <token>.")
    return token.strip()


async def authenticate(db: "Database", claims: "Claims", require_admin: bool) -> Principal:
    """The active user behind a verified token. Role and active flag are read from the database
    (on every route but the transfer, whose posting checks the caller itself), so a deactivated
    or demoted user loses access at once, whatever their token says."""
    from shared.repositories import users

    async with db.reader() as read:
        user = await users.by_id(read, claims.user_id)
    if user is None or not user.active:
        raise NotAuthenticated("This user is no longer active.")
    principal = Principal(id=user.id, username=user.username, role=user.role)
    if require_admin and not principal.is_admin:
        raise Forbidden("This needs a bank staff account.")
    return principal


def caller_from_token(claims: "Claims") -> Principal:
    """The caller as their token names them, unchecked: only for a handler whose own statement
    refuses a caller who is no longer active (post_transfer). The username is not in the token."""
    return Principal(id=claims.user_id, username="", role=claims.role)

"""Customers: registration, sign-in (with throttling shared by every instance) and profile."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from shared import telemetry
from shared.accounts import insert_account
from shared.auth import Principal
from shared.errors import (
    DuplicateKey,
    EmailTaken,
    InvalidCredentials,
    SignInDisabled,
    TooManyLoginAttempts,
    UsernameTaken,
    UserNotFound,
)
from shared.models import LoginOut, LoginRequest, RegisterOut, RegisterRequest, UserOut

if TYPE_CHECKING:
    from shared.db import Database, Session
    from shared.passwords import PasswordHasher
    from shared.tokens import TokenService

USER_COLUMNS = "id, username, full_name, email, country, role, active, created_at"


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int
    window_seconds: int


def user_out(row: dict[str, Any]) -> UserOut:
    return UserOut.model_validate(row)


_TAKEN = """SELECT coalesce(bool_or(lower(username) = lower(%(username)s)), false) AS username,
                  coalesce(bool_or(lower(email) = lower(%(email)s)), false) AS email
             FROM users WHERE lower(username) = lower(%(username)s) OR lower(email) = lower(%(email)s)"""


def _refuse_taken(session: "Session", username: str, email: str) -> None:
    """Both conflicts at once, so a person fixes both fields in one go (a sign-up must say a
    username is taken; the unique indexes still decide when two sign-ups race)."""
    taken = session.fetch_one(_TAKEN, {"username": username, "email": email})
    assert taken is not None
    fields = [(field, message) for field, message, hit in (
        ("username", "is taken: pick another", taken["username"]),
        ("email", "is registered already", taken["email"])) if hit]
    if taken["username"]:
        raise UsernameTaken("That username is taken. Pick another.", fields)
    if taken["email"]:
        raise EmailTaken("An account with that email address exists already.", fields)


def insert_user(session: "Session", username: str, password_hash: str, full_name: str, email: str,
                country: str, role: str) -> UserOut:
    _refuse_taken(session, username, email)
    try:
        row = session.fetch_one(
            "INSERT INTO users (username, password_hash, full_name, email, country, role)"
            " VALUES (%s, %s, %s, %s, %s, %s) RETURNING " + USER_COLUMNS,
            (username, password_hash, full_name, email, country, role),
        )
    except DuplicateKey as exc:
        if exc.constraint == "users_email_key":
            raise EmailTaken("An account with that email address exists already.") from None
        raise UsernameTaken("That username is taken. Pick another.") from None
    assert row is not None
    return user_out(row)


def register(db: "Database", passwords: "PasswordHasher", request: RegisterRequest) -> RegisterOut:
    """Creates a customer and their first EUR account, named after them, in one transaction."""
    password_hash = passwords.hash(request.password)  # slow on purpose: keep it outside the transaction
    with db.transaction() as session:
        user = insert_user(session, request.username, password_hash, request.full_name, request.email,
                           request.country, "user")
        account = insert_account(session, user.id, request.full_name[:50], "EUR", request.country)
    return RegisterOut(user=user, account=account)


# One statement counts the attempt (before the slow password check, so parallel guesses count
# too) and reads the user. The window restarts once it has passed.
_COUNT_ATTEMPT_AND_FIND_USER = """
WITH attempt AS (
    INSERT INTO login_throttle AS t (username_key, attempts, window_started)
    VALUES (%(key)s, 1, now())
    ON CONFLICT (username_key) DO UPDATE SET
        attempts = CASE WHEN t.window_started <= now() - make_interval(secs => %(window)s)
                        THEN 1 ELSE t.attempts + 1 END,
        window_started = CASE WHEN t.window_started <= now() - make_interval(secs => %(window)s)
                              THEN now() ELSE t.window_started END
    RETURNING attempts, window_started
)
SELECT a.attempts,
       greatest(1, ceil(extract(epoch FROM a.window_started + make_interval(secs => %(window)s) - now())))::int
           AS retry_after,
       u.id, u.username, u.full_name, u.email, u.country, u.role, u.active, u.created_at, u.password_hash
  FROM attempt a LEFT JOIN users u ON lower(u.username) = %(key)s
"""


# After a right password. Losing this in a crash only leaves a count that expires with its
# window, so its commit does not wait for the disk (set_config(..., true) is SET LOCAL, for this
# one-statement transaction; the attempt itself is still counted durably above).
_FORGET_ATTEMPTS = """
WITH forgotten AS (DELETE FROM login_throttle WHERE username_key = %s)
SELECT set_config('synchronous_commit', 'off', true)
"""


def login(db: "Database", passwords: "PasswordHasher", tokens: "TokenService", policy: LoginPolicy,
          request: LoginRequest) -> LoginOut:
    """A token for the right username and password. An unknown user and a wrong password get the
    same answer after the same bcrypt work; a deactivated user with the right password is told
    their sign-in is disabled (403); too many attempts get 429."""
    key = request.username.lower()
    with db.session() as session:
        row = session.fetch_one(_COUNT_ATTEMPT_AND_FIND_USER, {"key": key, "window": policy.window_seconds})
    assert row is not None
    if row["attempts"] > policy.max_failures:
        telemetry.record_login_throttled()
        raise TooManyLoginAttempts(retry_after_seconds=row["retry_after"])
    if not passwords.verify(request.password, row["password_hash"] if row["id"] is not None else None):
        telemetry.record_login(succeeded=False)
        raise InvalidCredentials("Wrong username or password.")
    if not row["active"]:
        # Only after the right password: it proves who is asking, so saying why tells a stranger
        # nothing, and the holder stops retrying (and locking themselves out) for nothing.
        telemetry.record_login(succeeded=False)
        raise SignInDisabled("Your sign-in has been disabled by the bank. Contact us (see the page footer) "
                             "to restore it.")
    telemetry.record_login(succeeded=True)
    with db.session() as session:
        session.execute(_FORGET_ATTEMPTS, (key,))
    user = user_out(row)
    return LoginOut(access_token=tokens.issue(user.id, user.role), expires_in=tokens.ttl_seconds, user=user)


def profile(db: "Database", principal: Principal) -> UserOut:
    return get_user(db, principal.id)


def get_user(db: "Database", user_id: UUID) -> UserOut:
    with db.session() as session:
        row = session.fetch_one("SELECT " + USER_COLUMNS + " FROM users WHERE id = %s", (user_id,))
    if row is None:
        raise UserNotFound("No such user.")
    return user_out(row)

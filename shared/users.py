"""Customers: registration, sign-in (with throttling shared by every instance) and profile."""

from dataclasses import dataclass, replace
from uuid import UUID

from shared import audit, sessions, telemetry
from shared.auth import Principal
from shared.db import Database, UnitOfWork
from shared.domain import Account, Registration, SignIn, User
from shared.errors import (
    DuplicateKey,
    EmailTaken,
    InvalidCredentials,
    SignInDisabled,
    TemporaryPasswordExpired,
    TooManyLoginAttempts,
    UsernameTaken,
    UserNotFound,
)
from shared.models import LoginRequest, RegisterRequest, UpdateProfileRequest
from shared.passwords import PasswordHasher
from shared.repositories import accounts, users
from shared.repositories import passwords as passwords_repo
from shared.sessions import SessionPolicy
from shared.tokens import TokenService

# Registration promises "a euro current account".
FIRST_ACCOUNT_NAME = "Current account"


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int
    window_seconds: int


async def create_user(uow: UnitOfWork, username: str, password_hash: str, full_name: str, email: str,
                      country: str, role: str) -> tuple[User, Account]:
    """A user and their first EUR account, in the caller's unit of work. Both conflicts are
    reported at once, so a person fixes both fields in one go (the unique indexes still decide
    when two sign-ups race)."""
    username_taken, email_taken = await users.taken(uow, username, email)
    fields = [(field, message) for field, message, hit in (
        ("username", "is taken: pick another", username_taken),
        ("email", "is registered already", email_taken)) if hit]
    if username_taken:
        raise UsernameTaken("That username is taken. Pick another.", fields)
    if email_taken:
        raise EmailTaken("An account with that email address exists already.", fields)
    try:
        user = await users.insert(uow, username, password_hash, full_name, email, country, role)
    except DuplicateKey as exc:
        if exc.constraint == "users_email_key":
            raise EmailTaken("An account with that email address exists already.") from None
        raise UsernameTaken("That username is taken. Pick another.") from None
    account = await accounts.insert(uow, user.id, FIRST_ACCOUNT_NAME, "EUR", country)
    return user, account


async def register(db: Database, passwords: PasswordHasher, command: RegisterRequest,
                   correlation_id: str) -> Registration:
    """Creates a customer and their first EUR account in one transaction, audited as
    user.register with the new customer as the actor."""
    password_hash = await passwords.hash(command.password)  # slow on purpose: before any connection is taken
    async with db.unit_of_work() as uow:
        user, account = await create_user(uow, command.username, password_hash, command.full_name, command.email,
                                          command.country, "user")
        await audit.record(uow, Principal(user.id, user.username, user.role), "user.register", "user", str(user.id),
                           {"username": user.username, "email": user.email, "country": user.country,
                            "account": account.number}, correlation_id)
        await uow.commit()
    return Registration(user, account)


async def _audit_failure(db: Database, key: str, reason: str, attempts: int, policy: LoginPolicy,
                         correlation_id: str) -> None:
    # Its own one-statement unit: the attempt was counted before bcrypt, and no connection is
    # held while it runs. Unknown user and wrong password both write it, so timing stays alike.
    async with db.unit_of_work() as uow:
        await audit.record_sign_in_failure(uow, key, reason, attempts, attempts == policy.max_failures,
                                           correlation_id)


async def login(db: Database, passwords: PasswordHasher, tokens: TokenService, policy: LoginPolicy,
                session_policy: SessionPolicy, command: LoginRequest, user_agent: str | None,
                correlation_id: str) -> SignIn:
    """A token for the right username and password. An unknown user and a wrong password get the
    same answer after the same bcrypt work; a deactivated user with the right password is told
    their sign-in is disabled (403); too many attempts get 429. Failed sign-ins are audited, and
    so is the lock-out when one uses up the last allowed attempt. Success starts a session; a
    temporary password set by staff starts one that may only change the password."""
    key = command.username.lower()
    async with db.unit_of_work() as uow:
        attempt = await users.count_attempt_and_find_user(uow, key, policy.window_seconds)
    if attempt.attempts > policy.max_failures:
        telemetry.record_login_throttled()
        raise TooManyLoginAttempts(retry_after_seconds=attempt.retry_after_seconds)
    # No connection is held while bcrypt runs: it takes a quarter of a second.
    if not await passwords.verify(command.password, attempt.password_hash) or attempt.user is None:
        telemetry.record_login(succeeded=False)
        await _audit_failure(db, key, "wrong_password" if attempt.user else "unknown_user", attempt.attempts,
                             policy, correlation_id)
        raise InvalidCredentials("Wrong username or password.")
    if not attempt.user.active:
        # Only after the right password: it proves who is asking, so saying why tells a stranger
        # nothing, and the holder stops retrying (and locking themselves out) for nothing.
        telemetry.record_login(succeeded=False)
        await _audit_failure(db, key, "sign_in_disabled", attempt.attempts, policy, correlation_id)
        raise SignInDisabled("Your sign-in has been disabled by the bank. Contact us (see the page footer) "
                             "to restore it.")
    user = attempt.user
    async with db.reader() as read:
        temporary = await passwords_repo.temporary_password_valid(read, user.id)
    if temporary is False:
        telemetry.record_login(succeeded=False)
        raise TemporaryPasswordExpired("Your temporary password has expired. Ask the bank for a new one.")
    telemetry.record_login(succeeded=True)
    async with db.unit_of_work() as uow:
        await users.forget_attempts(uow, key)
    async with db.unit_of_work() as uow:
        sign_in = await sessions.start(uow, tokens, session_policy, user,
                                       "password_change" if temporary else "full", user_agent)
        await uow.commit()
    return sign_in


async def get_user(db: Database, user_id: UUID) -> User:
    async with db.reader() as read:
        user = await users.by_id(read, user_id)
    if user is None:
        raise UserNotFound("No such user.")
    return user


async def update_profile(db: Database, caller: Principal, command: UpdateProfileRequest,
                         correlation_id: str) -> User:
    """The caller's own name, email and country; a change of email (where the bank writes to) is
    audited with the caller as the actor."""
    changes = command.model_dump(exclude_unset=True)
    async with db.unit_of_work() as uow:
        before = await users.lock(uow, caller.id)
        if before is None:
            raise UserNotFound("No such user.")
        after = replace(before, **changes)
        try:
            await users.update(uow, caller.id, {"full_name": after.full_name, "email": after.email,
                                                "country": after.country, "role": before.role,
                                                "active": before.active})
        except DuplicateKey:
            raise EmailTaken("An account with that email address exists already.",
                             [("email", "is registered already")]) from None
        if after.email != before.email:
            await audit.record(uow, caller, "user.email_change", "user", str(caller.id),
                               {"email": {"before": before.email, "after": after.email}}, correlation_id)
        await uow.commit()
    return after

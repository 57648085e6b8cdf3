"""Customers: registration, sign-in (with throttles shared by every instance) and profile."""

import contextlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from uuid import UUID

from shared import audit, mail, second_factors, sessions, telemetry
from shared.auth import Principal
from shared.db import Database, UnitOfWork
from shared.domain import Account, Registration, SignIn, User
from shared.errors import (
    DuplicateKey,
    EmailTaken,
    InvalidCredentials,
    PasswordWorkBusy,
    ServiceUnavailable,
    SignInDisabled,
    TemporaryPasswordExpired,
    TooManyLoginAttempts,
    TooManyRequests,
    UsernameTaken,
    UserNotFound,
)
from shared.models import FactorAnswerRequest, LoginRequest, RegisterRequest, UpdateProfileRequest
from shared.passwords import PasswordHasher
from shared.repositories import accounts, throttle, users
from shared.repositories import audit as audit_repo
from shared.repositories import passwords as passwords_repo
from shared.sessions import SessionPolicy
from shared.sign_in_delay import SignInDelays
from shared.tokens import TokenService

if TYPE_CHECKING:
    from shared.factors import FactorContext

# Registration promises "a euro current account".
FIRST_ACCOUNT_NAME = "Current account"


# The address limit is per minute: a person signing in, registering or asking for a reset link
# never makes 60 of those a minute; a script trying passwords or usernames makes thousands.
ADDRESS_WINDOW_SECONDS = 60


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int  # per (username, client address) in the window: past it, 429
    window_seconds: int
    address_limit_per_minute: int = 60  # anonymous sign-ins, registrations, reset requests


async def spend_address_attempt(db: Database, policy: LoginPolicy, client_address: str) -> None:
    """Counts an anonymous request that costs bcrypt work or answers who exists; raises
    TooManyRequests (429) past the address's limit for the minute."""
    async with db.unit_of_work() as uow:
        spent = await throttle.spend(uow, throttle.address_bucket(client_address), ADDRESS_WINDOW_SECONDS)
    if spent.attempts > policy.address_limit_per_minute:
        telemetry.record_login_throttled()
        raise TooManyRequests(retry_after_seconds=spent.retry_after_seconds)


def _refuse_taken(username_taken: bool, email_taken: bool) -> None:
    fields = [(field, message) for field, message, hit in (
        ("username", "is taken: pick another", username_taken),
        ("email", "is registered already", email_taken)) if hit]
    if username_taken:
        raise UsernameTaken("That username is taken. Pick another.", fields)
    if email_taken:
        raise EmailTaken("An account with that email address exists already.", fields)


async def create_user(uow: UnitOfWork, username: str, password_hash: str, full_name: str, email: str,
                      country: str, role: str) -> tuple[User, Account]:
    """A user and their first EUR account, in the caller's unit of work. Both conflicts are
    reported at once, so a person fixes both fields in one go (the unique indexes still decide
    when two sign-ups race)."""
    _refuse_taken(*await users.taken(uow, username, email))
    try:
        user = await users.insert(uow, username, password_hash, full_name, email, country, role)
    except DuplicateKey as exc:
        if exc.constraint == "users_email_key":
            raise EmailTaken("An account with that email address exists already.") from None
        raise UsernameTaken("That username is taken. Pick another.") from None
    account = await accounts.insert(uow, user.id, FIRST_ACCOUNT_NAME, "EUR", country)
    return user, account


async def register(db: Database, passwords: PasswordHasher, policy: LoginPolicy, command: RegisterRequest,
                   client_address: str, correlation_id: str) -> Registration:
    """Creates a customer and their first EUR account in one transaction, audited as
    user.register with the new customer as the actor. Counted per client address (a sign-up
    must say a username is taken, so a script must not ask thousands of times), and a taken
    username or email is refused before any bcrypt work is spent on the password."""
    passwords.refuse_when_busy()
    await spend_address_attempt(db, policy, client_address)
    async with db.reader() as read:
        _refuse_taken(*await users.taken(read, command.username, command.email))
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


def _delayed_sign_in_email(user: User, attempts: int) -> mail.Email:
    return mail.Email(to=user.email, subject="Failed sign-ins to your IE Bank account", text=(
        f"Hello {user.full_name},\n\n"
        f"Someone has tried to sign in as {user.username} with a wrong password {attempts} times in the last\n"
        "few minutes. Your account is not locked: you can still sign in, but each further sign-in is slowed\n"
        "down for a while to stop the guessing.\n\n"
        "If it was not you, choose a new password (Security page), and call us if anything looks wrong.\n"
        "IE Bank never asks for your password by email or phone.\n"))


async def _warn_holder(db: Database, mailer: mail.Mailer, user: User, attempts: int, client_address: str,
                       correlation_id: str) -> None:
    """Audited, and the holder told by email (after the answer, so the timing tells nothing)."""
    async with db.unit_of_work() as uow:
        await audit_repo.append_anonymous_and_commit(uow, "user", str(user.id), [(
            "auth.sign_in_delayed", {"username": user.username, "attempts": attempts,
                                     "client_address": client_address})], correlation_id)
    mail.send_later(mailer, _delayed_sign_in_email(user, attempts))


async def login(db: Database, passwords: PasswordHasher, tokens: TokenService, mailer: mail.Mailer,
                delays: SignInDelays, policy: LoginPolicy, session_policy: SessionPolicy, command: LoginRequest,
                client_address: str, user_agent: str | None, correlation_id: str,
                factors: "FactorContext | None" = None) -> "SignIn | second_factors.Started":
    """A token for the right username and password. An unknown user and a wrong password get the
    same answer after the same bcrypt work; a deactivated user with the right password is told
    their sign-in is disabled (403). Three counts, in one statement with the user's lookup:
    past the client address's limit for the minute, 429 too-many-requests; past max_failures for
    the (username, address) pair, 429 too-many-login-attempts, so a stranger's guesses lock out
    the stranger, not the holder; past max_failures for the username from anywhere, each sign-in
    waits a growing back-off, and the first time the holder is warned. Failed sign-ins are
    audited, and so is the lock-out when one uses up the pair's last allowed attempt. Success
    starts a session (one that may only change the password after a staff reset) and rehashes
    a password stored at another bcrypt cost. With `factors` (SCA enforced), a user who holds a
    second factor gets its challenge instead of a session (second_factors.Started)."""
    key = command.username.lower()
    passwords.refuse_when_busy()  # 503 at once, before anything is counted or read
    async with db.unit_of_work() as uow:
        counts = await users.count_sign_in_and_find_user(uow, key, client_address, policy.address_limit_per_minute,
                                                         ADDRESS_WINDOW_SECONDS, policy.window_seconds)
    if counts.address_attempts > policy.address_limit_per_minute:
        telemetry.record_login_throttled()
        raise TooManyRequests(retry_after_seconds=counts.address_retry_after_seconds)
    past_limit = counts.account_attempts - policy.max_failures
    if past_limit == 1 and counts.user is not None:
        await _warn_holder(db, mailer, counts.user, counts.account_attempts - 1, client_address, correlation_id)
    if counts.pair_attempts > policy.max_failures:
        telemetry.record_login_throttled()
        raise TooManyLoginAttempts(retry_after_seconds=counts.pair_retry_after_seconds)
    try:
        await delays.wait(past_limit)
        # No connection is held while bcrypt runs: it takes a quarter of a second.
        right = await passwords.verify(command.password, counts.password_hash)
    except ServiceUnavailable:  # too busy to check it: not a guess, so it does not count as one
        async with db.unit_of_work() as uow:
            await users.give_back_attempt(uow, key, client_address)
        raise
    if not right or counts.user is None:
        telemetry.record_login(succeeded=False)
        await _audit_failure(db, key, "wrong_password" if counts.user else "unknown_user", counts.pair_attempts,
                             policy, correlation_id)
        raise InvalidCredentials("Wrong username or password.")
    user = counts.user
    assert counts.password_hash is not None
    if not user.active:
        # Only after the right password: it proves who is asking, so saying why tells a stranger
        # nothing, and the holder stops retrying (and locking themselves out) for nothing.
        telemetry.record_login(succeeded=False)
        await _audit_failure(db, key, "sign_in_disabled", counts.pair_attempts, policy, correlation_id)
        raise SignInDisabled("Your sign-in has been disabled by the bank. Contact us (see the page footer) "
                             "to restore it.")
    async with db.reader() as read:
        temporary = await passwords_repo.temporary_password_valid(read, user.id)
    if temporary is False:
        telemetry.record_login(succeeded=False)
        raise TemporaryPasswordExpired("Your temporary password has expired. Ask the bank for a new one.")
    rehashed = None
    if passwords.needs_rehash(counts.password_hash):
        with contextlib.suppress(PasswordWorkBusy):  # busy: the next sign-in will do it
            rehashed = await passwords.hash(command.password)
    async with db.unit_of_work() as uow:
        await users.forget_attempts(uow, key, client_address)
    purpose = "password_change" if temporary else "full"
    async with db.unit_of_work() as uow:
        if rehashed is not None:
            await users.replace_password_hash(uow, user.id, counts.password_hash, rehashed)
        if factors is not None and await second_factors.held(uow, factors.methods, user.id):
            # The password was right; the session waits for the second factor (POST /api/auth/login/factor).
            started = await second_factors.start(uow, factors.methods, user.id, "sign_in", {"purpose": purpose})
            await uow.commit()
            return started
        sign_in = await sessions.start(uow, tokens, session_policy, user, purpose, user_agent)
        await uow.commit()
    telemetry.record_login(succeeded=True)
    return sign_in


async def login_factor(db: Database, factors: "FactorContext", tokens: TokenService, policy: LoginPolicy,
                       session_policy: SessionPolicy, command: FactorAnswerRequest, client_address: str,
                       user_agent: str | None) -> SignIn:
    """The sign-in's second step: the second factor that answers the challenge the right password
    opened starts a strongly authenticated session. Counted against the client address like the
    first step; wrong answers count per user (shared/second_factors.py: blocked after the limit),
    but only for a challenge the password opened, so a stranger guessing ids counts for nobody."""
    await spend_address_attempt(db, policy, client_address)
    async with db.unit_of_work() as uow:
        challenge = await second_factors.complete(uow, factors.methods, factors.policy, command.challenge_id,
                                                  "sign_in", command.method, command.proof)
        assert challenge.user_id is not None
        user = await users.by_id(uow, challenge.user_id)
        if user is None or not user.active:  # deactivated between the two steps
            raise SignInDisabled("Your sign-in has been disabled by the bank. Contact us (see the page footer) "
                                 "to restore it.")
        purpose = (challenge.binding or {}).get("purpose", "full")
        sign_in = await sessions.start(uow, tokens, session_policy, user, purpose, user_agent,
                                       strongly_authenticated=True)
        await uow.commit()
    telemetry.record_login(succeeded=True)
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

"""Changing a password: by its holder, by staff at a branch (a temporary one), or through an
emailed link when it is forgotten. Each ends the sessions that knew the old password."""

import secrets
import string
from uuid import UUID

from shared import audit, mail
from shared.auth import Principal, secret_digest
from shared.db import Database
from shared.domain import TemporaryPassword
from shared.errors import (
    ResetLinkInvalid,
    SelfModification,
    ServiceUnavailable,
    TooManyLoginAttempts,
    TooManyRequests,
    UserNotFound,
    ValidationFailed,
)
from shared.models import ChangePasswordRequest, PasswordResetConfirmRequest, PasswordResetRequest
from shared.passwords import PasswordHasher, is_common
from shared.repositories import passwords, sessions, users
from shared.sign_in_delay import SignInDelays
from shared.users import ADDRESS_WINDOW_SECONDS, LoginPolicy, spend_address_attempt

TEMPORARY_PASSWORD_SECONDS = 24 * 3600
RESET_LINK_SECONDS = 30 * 60
RESET_LINKS_PER_HOUR = 3
_COMMON = "is one of the most common passwords (found in public breach lists): choose another"


def _refuse_common(password: str) -> None:
    if is_common(password):
        raise ValidationFailed([("new_password", _COMMON)])


async def change(db: Database, hasher: PasswordHasher, delays: SignInDelays, policy: LoginPolicy,
                 caller: Principal, command: ChangePasswordRequest, client_address: str,
                 correlation_id: str) -> None:
    """The caller's new password. A wrong current password counts as a failed sign-in (the same
    counts, per address and per username), so this route is no way round them; as at sign-in, a
    stranger's failures elsewhere only delay it. Every other session of the user ends; this one
    stays, and may do everything again if it was signed in with a temporary password."""
    if command.new_password == command.current_password:
        raise ValidationFailed([("new_password", "must differ from your current password")])
    _refuse_common(command.new_password)
    key = caller.username.lower()
    async with db.reader() as read:
        current_hash = await passwords.password_hash(read, caller.id)
    if current_hash is None:
        raise UserNotFound("No such user.")
    hasher.refuse_when_busy()
    async with db.unit_of_work() as uow:
        counts = await users.count_sign_in_and_find_user(uow, key, client_address, policy.address_limit_per_minute,
                                                         ADDRESS_WINDOW_SECONDS, policy.window_seconds)
    if counts.address_attempts > policy.address_limit_per_minute:
        raise TooManyRequests(retry_after_seconds=counts.address_retry_after_seconds)
    if counts.pair_attempts > policy.max_failures:
        raise TooManyLoginAttempts(retry_after_seconds=counts.pair_retry_after_seconds)
    try:
        await delays.wait(counts.account_attempts - policy.max_failures)
        right = await hasher.verify(command.current_password, current_hash)
    except ServiceUnavailable:  # too busy to check it: not a guess
        async with db.unit_of_work() as uow:
            await users.give_back_attempt(uow, key, client_address)
        raise
    if not right:
        raise ValidationFailed([("current_password", "is not your current password")])
    new_hash = await hasher.hash(command.new_password)
    async with db.unit_of_work() as uow:
        await users.forget_attempts(uow, key, client_address)
    async with db.unit_of_work() as uow:
        await passwords.set_own(uow, caller.id, new_hash)
        ended = await sessions.revoke_all(uow, caller.id, "password_changed", keep=caller.session_id)
        if caller.session_id is not None:
            await sessions.allow_everything(uow, caller.session_id)
        await audit.record(uow, caller, "user.password_change", "user", str(caller.id),
                           {"other_sessions_ended": ended}, correlation_id)
        await uow.commit()


def _temporary_password() -> str:
    """Four groups of four, easy to read out at a counter; always meets the policy."""
    alphabet = "".join(ch for ch in string.ascii_letters + string.digits if ch not in "0O1lI")
    while True:
        groups = ["".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4)]
        candidate = "-".join(groups)
        if any(ch.isdigit() for ch in candidate) and any(ch.isalpha() for ch in candidate):
            return candidate


async def reset_by_staff(db: Database, hasher: PasswordHasher, staff: Principal, user_id: UUID,
                         correlation_id: str) -> TemporaryPassword:
    """A temporary password for a customer who proved who they are at a branch: valid 24 hours,
    good only for choosing a new one. The user's sessions end; the password is not audited."""
    if user_id == staff.id:
        raise SelfModification("Change your own password on the Security page.")
    temporary = _temporary_password()
    temporary_hash = await hasher.hash(temporary)
    async with db.unit_of_work() as uow:
        user = await users.lock(uow, user_id)
        if user is None:
            raise UserNotFound("No such user.")
        expires_at = await passwords.set_temporary(uow, user_id, staff.id, temporary_hash, TEMPORARY_PASSWORD_SECONDS)
        ended = await sessions.revoke_all(uow, user_id, "password_reset")
        await users.clear_attempts(uow, user.username.lower())
        await audit.record(uow, staff, "user.password_reset", "user", str(user_id),
                           {"by": "staff", "sessions_ended": ended, "expires_at": expires_at.isoformat()},
                           correlation_id)
        await uow.commit()
    return TemporaryPassword(temporary, expires_at)


def _reset_email(to: str, full_name: str, link: str, expires_minutes: int) -> mail.Email:
    return mail.Email(to=to, subject="Reset your IE Bank password", text=(
        f"Hello {full_name},\n\n"
        f"Someone (we hope you) asked to reset the password of your IE Bank sign-in. To choose a new one,\n"
        f"open this link within {expires_minutes} minutes:\n\n{link}\n\n"
        "If you did not ask, ignore this email: your password stays as it is. IE Bank never asks for your\n"
        "password by email or phone.\n"))


async def request_reset(db: Database, mailer: mail.Mailer, policy: LoginPolicy, command: PasswordResetRequest,
                        client_address: str, public_base_url: str) -> None:
    """Sends a reset link when someone has that username or email. The answer is the same either
    way, after the same statements; the email leaves after the answer. Counted per client address
    (429 past its limit, whoever is asked about)."""
    await spend_address_attempt(db, policy, client_address)
    token = secrets.token_urlsafe(32)
    async with db.unit_of_work() as uow:
        recipient = await passwords.create_reset_token(uow, command.login, secret_digest(token), RESET_LINK_SECONDS,
                                                       RESET_LINKS_PER_HOUR)
    if recipient is not None:
        # In the fragment, which browsers never send to a server: the token reaches no access log.
        link = f"{public_base_url.rstrip('/')}/reset-password#token={token}"
        mail.send_later(mailer, _reset_email(recipient.email, recipient.full_name, link, RESET_LINK_SECONDS // 60))


async def confirm_reset(db: Database, hasher: PasswordHasher, policy: LoginPolicy,
                        command: PasswordResetConfirmRequest, client_address: str, correlation_id: str) -> None:
    """Sets the new password from a reset link (once), and ends every session of the user.
    Counted per client address first (429 past its limit, the token unread), so nobody can grind
    reset tokens."""
    await spend_address_attempt(db, policy, client_address)
    _refuse_common(command.new_password)
    token_hash = secret_digest(command.token)
    async with db.reader() as read:
        user_id = await passwords.reset_token_user(read, token_hash)
    if user_id is None:
        raise ResetLinkInvalid("This link is not valid any more (used, expired or mistyped). Ask for a new one.")
    new_hash = await hasher.hash(command.new_password)  # no connection held meanwhile
    async with db.unit_of_work() as uow:
        if await passwords.use_reset_token(uow, token_hash) != user_id:
            raise ResetLinkInvalid("This link is not valid any more (used, expired or mistyped). Ask for a new one.")
        user = await users.lock(uow, user_id)
        assert user is not None
        await passwords.set_own(uow, user_id, new_hash)
        ended = await sessions.revoke_all(uow, user_id, "password_reset")
        await users.clear_attempts(uow, user.username.lower())
        await audit.record(uow, Principal(user.id, user.username, user.role), "user.password_reset", "user",
                           str(user_id), {"by": "email_link", "sessions_ended": ended}, correlation_id)
        await uow.commit()


"""Passkeys (WebAuthn, issue 17): registration and management, sign-in with a passkey alone, and
the passkey as a second factor (PasskeyFactor, a shared.factor_methods.FactorMethod).

py_webauthn does the ceremonies' checks (challenge, origin, relying party id hash, user presence
and verification, signature, sign counter); it is imported only here, and this module only by the
routes that need it. Every challenge is a row of sca_challenges, answered once: it is locked and
marked used in the unit of work that checks the answer, and a wrong answer uses it up too (the
consumption is committed before the refusal is raised).
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from shared import audit, second_factors, sessions, strong_auth, telemetry
from shared.auth import Principal
from shared.db import Database, Reader, UnitOfWork
from shared.domain import Passkey, Session, SignIn
from shared.errors import (
    DuplicateKey,
    PasskeyNotFound,
    PasskeySignInFailed,
    SecondFactorRejected,
    SignInDisabled,
    UserNotFound,
    ValidationFailed,
)
from shared.factor_methods import FactorMethod
from shared.models import AddPasskeyRequest, PasskeySignInRequest
from shared.repositories import challenges, passkeys, users
from shared.repositories import passwords as passwords_repo
from shared.repositories import sessions as sessions_repo
from shared.sessions import SessionPolicy
from shared.tokens import TokenService
from shared.users import LoginPolicy, spend_address_attempt

# A ceremony takes a person a minute at most: the browser is told two, the challenge lives three.
CEREMONY_TIMEOUT_MS = 120_000
CHALLENGE_TTL_SECONDS = 180
_CHALLENGE_BYTES = 32


@dataclass(frozen=True)
class RelyingParty:
    rp_id: str
    rp_name: str
    origins: tuple[str, ...]


def relying_party(settings: Any) -> RelyingParty:
    return RelyingParty(settings.relying_party_id, settings.webauthn_rp_name, settings.webauthn_origin_list)


def _descriptors(held: list[Passkey]) -> list[Any]:
    from webauthn.helpers.structs import AuthenticatorTransport, PublicKeyCredentialDescriptor

    known = {transport.value for transport in AuthenticatorTransport}
    return [PublicKeyCredentialDescriptor(id=passkey.credential_id, transports=[
        AuthenticatorTransport(t) for t in passkey.transports if t in known] or None) for passkey in held]


def authentication_options(rp: RelyingParty, challenge: bytes, held: list[Passkey]) -> dict[str, Any]:
    """PublicKeyCredentialRequestOptions as JSON: user verification required; allowCredentials the
    given passkeys (none: any discoverable credential of this relying party)."""
    from webauthn import generate_authentication_options
    from webauthn.helpers.options_to_json_dict import options_to_json_dict
    from webauthn.helpers.structs import UserVerificationRequirement

    options = generate_authentication_options(rp_id=rp.rp_id, challenge=challenge, timeout=CEREMONY_TIMEOUT_MS,
                                              allow_credentials=_descriptors(held),
                                              user_verification=UserVerificationRequirement.REQUIRED)
    return dict(options_to_json_dict(options))


def _credential_id(credential: dict[str, Any]) -> bytes | None:
    from webauthn.helpers import parse_authentication_credential_json
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        return bytes(parse_authentication_credential_json(credential).raw_id)
    except (WebAuthnException, ValueError, TypeError, KeyError):
        return None


def _verified_sign_count(rp: RelyingParty, passkey: Passkey, credential: dict[str, Any],
                         challenge: bytes) -> int | None:
    """The assertion's new sign counter when it is the passkey's, signed over this challenge, from an
    allowed origin, user verified, its counter grown (when the authenticator keeps one); None otherwise."""
    from webauthn import verify_authentication_response
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.rp_id,
            expected_origin=list(rp.origins), credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count, require_user_verification=True)
    except (WebAuthnException, ValueError, TypeError, KeyError):
        return None
    return int(verified.new_sign_count)


class PasskeyFactor:
    """The passkey as a second factor (shared.factor_methods.FactorMethod): an assertion signed over
    the challenge it is given (a payment's, derived from its amount and payee), so one made for
    another challenge fails."""

    name = "passkey"

    def __init__(self, rp_id: str, rp_name: str, origins: tuple[str, ...] | list[str]) -> None:
        self.rp = RelyingParty(rp_id, rp_name, tuple(origins))

    async def available(self, db: Reader, user_id: UUID) -> bool:
        return await passkeys.held_by(db, user_id)

    async def request_options(self, db: Reader, user_id: UUID, challenge: bytes) -> dict[str, Any] | None:
        return authentication_options(self.rp, challenge, await passkeys.of_user(db, user_id))

    async def verify(self, uow: UnitOfWork, user_id: UUID, proof: Any, challenge: bytes) -> None:
        credential_id = _credential_id(proof) if isinstance(proof, dict) else None
        passkey = await passkeys.lock_by_credential(uow, credential_id, user_id) if credential_id else None
        sign_count = _verified_sign_count(self.rp, passkey, proof, challenge) if passkey else None
        if passkey is None or sign_count is None:
            raise SecondFactorRejected("That was not accepted. Try again.")
        await passkeys.record_use(uow, passkey.id, sign_count)


# ---- registration and management -----------------------------------------------------------------

async def _require_fresh(db: Reader, methods: Sequence[FactorMethod], caller: Principal, session: Session,
                         fresh_seconds: int) -> None:
    """A holder of any second factor (an authenticator app too, not only a passkey) proves one
    again; a user without one needs a recent sign-in."""
    held = await second_factors.held(db, methods, caller.id)
    strong_auth.require_fresh(session, has_factor=bool(held), now=datetime.now(UTC), fresh_seconds=fresh_seconds)


async def registration_options(db: Database, rp: RelyingParty, methods: Sequence[FactorMethod], caller: Principal,
                               session: Session, fresh_seconds: int) -> tuple[UUID, dict[str, Any]]:
    """A registration challenge (single use, CHALLENGE_TTL_SECONDS) and the creation options for it:
    user verification required, a resident (discoverable) key preferred, the caller's passkeys
    excluded so one authenticator is not registered twice. Needs a fresh SCA, as the add does."""
    from webauthn import generate_registration_options
    from webauthn.helpers.options_to_json_dict import options_to_json_dict
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    async with db.reader() as read:
        await _require_fresh(read, methods, caller, session, fresh_seconds)
        user = await users.by_id(read, caller.id)
        held = await passkeys.of_user(read, caller.id)
    if user is None:
        raise UserNotFound("No such user.")
    challenge = secrets.token_bytes(_CHALLENGE_BYTES)
    options = generate_registration_options(
        rp_id=rp.rp_id, rp_name=rp.rp_name, user_id=user.id.bytes, user_name=user.username,
        user_display_name=user.full_name, challenge=challenge, timeout=CEREMONY_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=_descriptors(held))
    async with db.unit_of_work() as uow:
        row = await challenges.insert(uow, caller.id, "passkey_registration", challenge, None, CHALLENGE_TTL_SECONDS)
        await uow.commit()
    return row.id, dict(options_to_json_dict(options))


def _verified_registration(rp: RelyingParty, credential: dict[str, Any], challenge: bytes) -> Any:
    from webauthn import verify_registration_response
    from webauthn.helpers.exceptions import WebAuthnException

    try:
        return verify_registration_response(credential=credential, expected_challenge=challenge,
                                            expected_rp_id=rp.rp_id, expected_origin=list(rp.origins),
                                            require_user_verification=True)
    except (WebAuthnException, ValueError, TypeError, KeyError):
        return None


def _transports(credential: dict[str, Any]) -> list[str]:
    response = credential.get("response")
    given = response.get("transports") if isinstance(response, dict) else None
    return [str(t)[:20] for t in given[:8] if isinstance(t, str)] if isinstance(given, list) else []


_CHALLENGE_GONE = ("challenge_id", "has expired or was used: ask for new options")


async def add(db: Database, rp: RelyingParty, methods: Sequence[FactorMethod], caller: Principal, session: Session,
              command: AddPasskeyRequest, fresh_seconds: int, correlation_id: str) -> Passkey:
    """Registers the passkey the credential attests, answering the caller's registration challenge
    (used up whatever the outcome). Needs a fresh SCA; signs the caller out everywhere else and is
    audited (`passkey.add`, with its name: never key material)."""
    refusal: ValidationFailed | None = None
    async with db.unit_of_work() as uow:
        await _require_fresh(uow, methods, caller, session, fresh_seconds)
        challenge = await challenges.lock_open(uow, command.challenge_id, "passkey_registration")
        if challenge is None or challenge.user_id != caller.id:
            raise ValidationFailed([_CHALLENGE_GONE], "Ask for new passkey options and try again.")
        await challenges.mark_used(uow, challenge.id)
        verified = _verified_registration(rp, command.credential, challenge.challenge)
        if verified is None:
            refusal = ValidationFailed([("credential", "was not accepted by the bank")],
                                       "The passkey could not be registered. Try again.")
        else:
            try:
                passkey = await passkeys.insert(uow, caller.id, bytes(verified.credential_id),
                                                bytes(verified.credential_public_key), int(verified.sign_count),
                                                _transports(command.credential), command.name)
            except DuplicateKey:
                raise ValidationFailed([("credential", "is registered already")],
                                       "This passkey is registered already.") from None
            # A passkey made with user verification is possession + inherence: this session is
            # strongly authenticated now (a first factor opens the enrolment gate at once).
            await sessions_repo.mark_strongly_authenticated(uow, session.id)
            revoked = await sessions_repo.revoke_all(uow, caller.id, "revoked_all", keep=caller.session_id)
            await audit.record(uow, caller, "passkey.add", "passkey", str(passkey.id),
                               {"name": passkey.name, "sessions_revoked": revoked}, correlation_id)
        await uow.commit()
    if refusal is not None:
        raise refusal
    return passkey


async def list_passkeys(db: Database, user_id: UUID) -> list[Passkey]:
    async with db.reader() as read:
        return await passkeys.of_user(read, user_id)


def _not_found() -> PasskeyNotFound:
    return PasskeyNotFound("You have no passkey with that id.")


async def rename(db: Database, caller: Principal, passkey_id: UUID, name: str, correlation_id: str) -> Passkey:
    async with db.unit_of_work() as uow:
        passkey = await passkeys.rename(uow, caller.id, passkey_id, name)
        if passkey is None:
            raise _not_found()
        await audit.record(uow, caller, "passkey.rename", "passkey", str(passkey_id), {"name": name}, correlation_id)
        await uow.commit()
    return passkey


async def remove(db: Database, caller: Principal, session: Session, passkey_id: UUID, fresh_seconds: int,
                 correlation_id: str) -> None:
    """Deletes one of the caller's passkeys (404 for any other id). Needs a fresh SCA; signs the
    caller out everywhere else; audited `passkey.remove`."""
    async with db.unit_of_work() as uow:
        passkey = await passkeys.delete(uow, caller.id, passkey_id)
        if passkey is None:
            raise _not_found()
        strong_auth.require_fresh(session, has_factor=True, now=datetime.now(UTC), fresh_seconds=fresh_seconds)
        revoked = await sessions_repo.revoke_all(uow, caller.id, "revoked_all", keep=caller.session_id)
        await audit.record(uow, caller, "passkey.remove", "passkey", str(passkey_id),
                           {"name": passkey.name, "sessions_revoked": revoked}, correlation_id)
        await uow.commit()


# ---- sign-in with a passkey alone ----------------------------------------------------------------

async def sign_in_options(db: Database, rp: RelyingParty, policy: LoginPolicy,
                          client_address: str) -> tuple[UUID, dict[str, Any]]:
    """An anonymous sign-in challenge (no user yet: the assertion names its credential) and its
    request options (no allowCredentials: the authenticator offers its discoverable credentials).
    Counted against the client address like any anonymous sign-in (429 past the limit)."""
    await spend_address_attempt(db, policy, client_address)
    challenge = secrets.token_bytes(_CHALLENGE_BYTES)
    async with db.unit_of_work() as uow:
        row = await challenges.insert(uow, None, "passkey_sign_in", challenge, None, CHALLENGE_TTL_SECONDS)
        await uow.commit()
    return row.id, authentication_options(rp, challenge, [])


_REFUSED = "That passkey was not accepted. Try again, or sign in with your password."


async def sign_in(db: Database, rp: RelyingParty, tokens: TokenService, policy: LoginPolicy,
                  session_policy: SessionPolicy, command: PasskeySignInRequest, client_address: str,
                  user_agent: str | None) -> SignIn:
    """A strongly authenticated session (possession + inherence) for a valid assertion over an open
    sign-in challenge, which it uses up whatever the outcome; 401 saying nothing of which part
    failed; 403 sign-in-disabled for a deactivated user's valid passkey. Counted against the client
    address like a password sign-in."""
    await spend_address_attempt(db, policy, client_address)
    credential_id = _credential_id(command.credential)
    refusal: Exception | None = None
    async with db.unit_of_work() as uow:
        challenge = await challenges.lock_open(uow, command.challenge_id, "passkey_sign_in")
        if challenge is None:
            raise PasskeySignInFailed(_REFUSED)
        await challenges.mark_used(uow, challenge.id)
        passkey = await passkeys.lock_by_credential(uow, credential_id) if credential_id else None
        sign_count = _verified_sign_count(rp, passkey, command.credential, challenge.challenge) if passkey else None
        user = await users.by_id(uow, passkey.user_id) if passkey and sign_count is not None else None
        if passkey is None or sign_count is None or user is None:
            refusal = PasskeySignInFailed(_REFUSED)
        elif not user.active:
            refusal = SignInDisabled("Your sign-in has been disabled by the bank. Contact us (see the page footer) "
                                     "to restore it.")
        else:
            await passkeys.record_use(uow, passkey.id, sign_count)
            # A temporary password the bank set is still to be replaced, whichever way one signs in.
            temporary = await passwords_repo.temporary_password_valid(uow, user.id)
            signed = await sessions.start(uow, tokens, session_policy, user,
                                          "full" if temporary is None else "password_change", user_agent,
                                          strongly_authenticated=True)
        await uow.commit()
    telemetry.record_login(succeeded=refusal is None)
    if refusal is not None:
        raise refusal
    return signed

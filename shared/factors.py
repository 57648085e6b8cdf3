"""A user's own second factors: enrol and remove the authenticator app, regenerate recovery
codes, list what they hold, and step up (prove a factor again) before such a change.

Each change needs a fresh strong authentication (shared/strong_auth.py), signs the user out
everywhere else (whoever else holds a session must not keep it across a change of factors) and
is audited without the secret or any code. A staff member may not remove their last factor.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared import audit, second_factors, totp
from shared.auth import Principal
from shared.db import Database, UnitOfWork
from shared.domain import Session
from shared.errors import FactorExists, LastSecondFactor, NoSecondFactor, SecondFactorRejected, UserNotFound
from shared.factor_methods import FactorMethod
from shared.repositories import factors, sessions, users
from shared.strong_auth import require_fresh

_CODE_FACTORS = ("totp", "recovery_code")


@dataclass(frozen=True)
class FactorContext:
    methods: Sequence[FactorMethod]
    totp_key: bytes
    fresh_seconds: int
    policy: second_factors.FailurePolicy


@dataclass(frozen=True)
class Enrolment:
    otpauth_uri: str
    qr_svg: str


@dataclass(frozen=True)
class FactorSummary:
    totp: bool
    recovery_codes_left: int
    passkeys: int
    methods: list[str]
    second_factor_required: bool


async def _held_names(uow: UnitOfWork, ctx: FactorContext, caller: Principal) -> list[str]:
    return [method.name for method in await second_factors.held(uow, ctx.methods, caller.id)]


async def _changed(uow: UnitOfWork, caller: Principal, action: str, factor: str, correlation_id: str) -> None:
    revoked = await sessions.revoke_all(uow, caller.id, "revoked_all", keep=caller.session_id)
    await audit.record(uow, caller, action, "user", str(caller.id), {"factor": factor, "sessions_revoked": revoked},
                       correlation_id)


async def _fresh(uow: UnitOfWork, ctx: FactorContext, caller: Principal, session: Session) -> list[str]:
    held = await _held_names(uow, ctx, caller)
    require_fresh(session, has_factor=bool(held), now=datetime.now(UTC), fresh_seconds=ctx.fresh_seconds)
    return held


async def enrol_totp(db: Database, ctx: FactorContext, caller: Principal) -> Enrolment:
    """A new secret, pending until a code of it is confirmed; shown this once."""
    import pyotp
    import segno

    async with db.unit_of_work() as uow:
        user = await users.by_id(uow, caller.id)
        if user is None:
            raise UserNotFound("No such user.")
        existing = await factors.totp_of(uow, caller.id)
        if existing is not None and existing.confirmed_at is not None:
            raise FactorExists("You have an authenticator app set up already. Remove it first to set up another.")
        secret = pyotp.random_base32()
        await factors.put_pending_totp(uow, caller.id, totp.encrypt_secret(ctx.totp_key, caller.id, secret))
        await uow.commit()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="IE Bank")
    return Enrolment(uri, segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff"))


async def confirm_totp(db: Database, ctx: FactorContext, caller: Principal, session: Session, code: str,
                       correlation_id: str) -> list[str]:
    """Confirms the pending secret with a code of it; the new recovery codes, shown once."""
    codes = totp.new_recovery_codes()
    async with db.unit_of_work() as uow:
        await _fresh(uow, ctx, caller, session)
        await totp.check_code(uow, ctx.totp_key, caller.id, code, confirming=True)
        await factors.replace_recovery_codes(uow, caller.id, [totp.recovery_digest(c) for c in codes])
        await sessions.mark_strongly_authenticated(uow, session.id)
        await _changed(uow, caller, "auth.factor_added", "totp", correlation_id)
        await uow.commit()
    return codes


async def remove_totp(db: Database, ctx: FactorContext, caller: Principal, session: Session,
                      correlation_id: str) -> None:
    async with db.unit_of_work() as uow:
        held = await _fresh(uow, ctx, caller, session)
        if "totp" not in held:
            raise NoSecondFactor("You have no authenticator app set up.")
        others = [name for name in held if name not in _CODE_FACTORS]
        user = await users.by_id(uow, caller.id)
        if not others and user is not None and (user.role == "admin" or user.second_factor_required):
            raise LastSecondFactor("Staff must keep a second factor: add another before removing this one.")
        await factors.delete_totp(uow, caller.id)
        if not others:  # recovery codes stand in for a factor; with none left they would be one alone
            await factors.delete_recovery_codes(uow, caller.id)
        await _changed(uow, caller, "auth.factor_removed", "totp", correlation_id)
        await uow.commit()


async def regenerate_recovery_codes(db: Database, ctx: FactorContext, caller: Principal, session: Session,
                                    correlation_id: str) -> list[str]:
    """Ten new codes; the old ones stop working."""
    codes = totp.new_recovery_codes()
    async with db.unit_of_work() as uow:
        held = await _fresh(uow, ctx, caller, session)
        if not [name for name in held if name != "recovery_code"]:
            raise NoSecondFactor("Set up an authenticator app or a passkey first.")
        await factors.replace_recovery_codes(uow, caller.id, [totp.recovery_digest(c) for c in codes])
        await _changed(uow, caller, "auth.recovery_codes_regenerated", "recovery_code", correlation_id)
        await uow.commit()
    return codes


async def summary(db: Database, ctx: FactorContext, caller: Principal) -> FactorSummary:
    async with db.reader() as read:
        held = [method for method in ctx.methods if await method.available(read, caller.id)]
        user = await users.by_id(read, caller.id)
        left = await factors.recovery_codes_left(read, caller.id)
        passkeys = 0
        for method in held:
            if method.name == "passkey":
                count = getattr(method, "count", None)
                passkeys = int(await count(read, caller.id)) if count is not None else 1
    return FactorSummary(any(m.name == "totp" for m in held), left, passkeys, [m.name for m in held],
                         bool(user and user.second_factor_required))


async def start_step_up(db: Database, ctx: FactorContext, caller: Principal) -> second_factors.Started:
    async with db.unit_of_work() as uow:
        started = await second_factors.start(uow, ctx.methods, caller.id, "step_up",
                                             {"session_id": str(caller.session_id)})
        if not started.methods:
            raise NoSecondFactor("You have no second factor to confirm with yet.")
        await uow.commit()
    return started


async def confirm_step_up(db: Database, ctx: FactorContext, caller: Principal, challenge_id: Any, method: str,
                          proof: Any) -> None:
    """The caller's session is strongly authenticated from now (factor changes may follow)."""
    async with db.unit_of_work() as uow:
        challenge = await second_factors.complete(uow, ctx.methods, ctx.policy, challenge_id, "step_up", method, proof,
                                                  for_user=caller.id)
        if challenge.user_id != caller.id or (challenge.binding or {}).get("session_id") != str(caller.session_id):
            raise SecondFactorRejected("This step has expired or was completed already. Start again.")
        assert caller.session_id is not None
        await sessions.mark_strongly_authenticated(uow, caller.session_id)
        await uow.commit()

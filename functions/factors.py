from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, Reply, endpoint

if TYPE_CHECKING:
    from shared.models import (
        FactorAnswerRequest,
        FactorChallengeOut,
        FactorsOut,
        RecoveryCodesOut,
        TotpConfirmRequest,
        TotpEnrolmentOut,
    )

bp = func.Blueprint()


@bp.route(route="me/totp", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Start setting up an authenticator app: its secret (shown once) and QR code", access="user",
          status=201, errors=(401, 403, 409), during_enrolment=True)
async def enrol_totp(call: Call[None, None]) -> TotpEnrolmentOut:
    from shared import factors
    from shared.models import TotpEnrolmentOut
    enrolment = await factors.enrol_totp(call.runtime.db, call.runtime.factors, call.principal)
    return TotpEnrolmentOut(otpauth_uri=enrolment.otpauth_uri, qr_svg=enrolment.qr_svg)


@bp.route(route="me/totp/confirm", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Finish setting up the authenticator app with a code of it: ten recovery codes, shown once",
          access="user", errors=(400, 401, 403, 413, 415, 422), during_enrolment=True)
async def confirm_totp(call: Call[TotpConfirmRequest, None]) -> RecoveryCodesOut:
    from shared import factors
    from shared.models import RecoveryCodesOut
    assert call.session is not None
    codes = await factors.confirm_totp(call.runtime.db, call.runtime.factors, call.principal, call.session,
                                       call.body.code, call.correlation_id)
    return RecoveryCodesOut(recovery_codes=codes)


@bp.route(route="me/totp", methods=["DELETE"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Remove the authenticator app", access="user", status=204, errors=(401, 403, 409))
async def remove_totp(call: Call[None, None]) -> Reply[None]:
    from shared import factors
    assert call.session is not None
    await factors.remove_totp(call.runtime.db, call.runtime.factors, call.principal, call.session,
                              call.correlation_id)
    return Reply(204)


@bp.route(route="me/recovery-codes", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="New recovery codes (the old ones stop working), shown once", access="user",
          errors=(401, 403, 409))
async def regenerate_recovery_codes(call: Call[None, None]) -> RecoveryCodesOut:
    from shared import factors
    from shared.models import RecoveryCodesOut
    assert call.session is not None
    codes = await factors.regenerate_recovery_codes(call.runtime.db, call.runtime.factors, call.principal,
                                                    call.session, call.correlation_id)
    return RecoveryCodesOut(recovery_codes=codes)


@bp.route(route="me/factors", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Your second factors: authenticator app, recovery codes left, passkeys", access="user",
          errors=(401, 403), during_enrolment=True)
async def list_factors(call: Call[None, None]) -> FactorsOut:
    from shared import factors
    from shared.models import FactorsOut
    held = await factors.summary(call.runtime.db, call.runtime.factors, call.principal)
    return FactorsOut(totp=held.totp, recovery_codes_left=held.recovery_codes_left, passkeys=held.passkeys,
                      methods=held.methods, second_factor_required=held.second_factor_required)


@bp.route(route="auth/step-up", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Confirm it is you again before a sensitive change: a challenge for your second factor",
          access="user", errors=(401, 403, 409), during_enrolment=True)
async def start_step_up(call: Call[None, None]) -> FactorChallengeOut:
    from shared import factors
    from shared.models import FactorChallengeOut
    started = await factors.start_step_up(call.runtime.db, call.runtime.factors, call.principal)
    return FactorChallengeOut(challenge_id=started.challenge.id, methods=started.methods,
                              passkey_options=started.options.get("passkey"))


@bp.route(route="auth/step-up/confirm", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Answer the step-up: this session counts as strongly authenticated from now", access="user",
          status=204, errors=(400, 401, 403, 413, 415, 422, 429), during_enrolment=True)
async def confirm_step_up(call: Call[FactorAnswerRequest, None]) -> Reply[None]:
    from shared import factors
    await factors.confirm_step_up(call.runtime.db, call.runtime.factors, call.principal, call.body.challenge_id,
                                  call.body.method, call.body.proof)
    return Reply(204)

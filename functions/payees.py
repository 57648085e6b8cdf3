from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, Reply, endpoint

if TYPE_CHECKING:
    from shared.models import (
        PayeeList,
        PayeeOut,
        PayeeRequest,
        PayeeVerificationOut,
        UpdatePayeeRequest,
        VerifyPayeeRequest,
    )

bp = func.Blueprint()


@bp.route(route="payees", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Your payees, newest first", access="user", errors=(401, 403))
async def list_payees(call: Call[None, None]) -> PayeeList:
    from shared import payees, responses
    return responses.payee_list(await payees.list_payees(call.runtime.db, call.principal.id))


@bp.route(route="payees", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Save a payee (verify the name first with POST /api/payees/verify)", access="user",
          status=201, errors=(400, 401, 403, 409, 413, 415, 422))
async def add_payee(call: Call[PayeeRequest, None]) -> PayeeOut:
    from shared import payees, responses
    if call.body.trusted:
        from shared.payment_authentication import require_fresh_sca_to_trust
        await require_fresh_sca_to_trust(call.runtime, call.session, call.principal.id)
    return responses.payee_out(await payees.add_payee(call.runtime.db, call.principal.id, call.body))


@bp.route(route="payees/verify", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Verification of Payee: is this the name of the account's holder?", access="user",
          errors=(400, 401, 403, 413, 415, 422, 429))
async def verify_payee(call: Call[VerifyPayeeRequest, None]) -> PayeeVerificationOut:
    from shared import payees, responses
    from shared.name_matching import Thresholds
    settings = call.runtime.settings
    policy = payees.VerificationPolicy(Thresholds(settings.vop_match_score, settings.vop_close_match_score),
                                       settings.vop_checks_per_hour)
    verification = await payees.verify(call.runtime.db, policy, call.principal.id, call.body)
    return responses.payee_verification_out(verification)


@bp.route(route="payees/{payee_id}", methods=["PATCH"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Rename a payee, change its reference, mark it trusted or not", access="user",
          errors=(400, 401, 403, 404, 413, 415, 422))
async def update_payee(call: Call[UpdatePayeeRequest, None]) -> PayeeOut:
    from shared import payees, responses
    if call.body.trusted:
        from shared.payment_authentication import require_fresh_sca_to_trust
        await require_fresh_sca_to_trust(call.runtime, call.session, call.principal.id)
    payee = await payees.update_payee(call.runtime.db, call.principal.id, call.payee_id("payee_id"), call.body)
    return responses.payee_out(payee)


@bp.route(route="payees/{payee_id}", methods=["DELETE"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Delete a payee (history keeps its transfers)", access="user", status=204,
          errors=(401, 403, 404))
async def delete_payee(call: Call[None, None]) -> Reply[None]:
    from shared import payees
    await payees.delete_payee(call.runtime.db, call.principal.id, call.payee_id("payee_id"))
    return Reply(204)

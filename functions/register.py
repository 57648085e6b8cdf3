from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, endpoint

if TYPE_CHECKING:
    from shared.models import RegisterOut, RegisterRequest

bp = func.Blueprint()


@bp.route(route="auth/register", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Register as a customer (gets a first EUR account)", access="public", status=201,
          errors=(400, 409, 413, 415, 422, 429, 503))
async def register(call: Call[RegisterRequest, None]) -> RegisterOut:
    from shared import responses, users
    rt = call.runtime
    return responses.register_out(await users.register(rt.db, rt.passwords, rt.login_policy, call.body,
                                                       call.client_address, call.correlation_id))

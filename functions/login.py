from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, endpoint

if TYPE_CHECKING:
    from shared.models import LoginOut, LoginRequest, UpdateProfileRequest, UserOut

bp = func.Blueprint()


@bp.route(route="auth/login", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Sign in with username and password", access="public", errors=(400, 401, 403, 413, 415, 422, 429))
async def login(call: Call[LoginRequest, None]) -> LoginOut:
    from shared import responses, users
    rt = call.runtime
    return responses.login_out(await users.login(rt.db, rt.passwords, rt.tokens, rt.login_policy, call.body,
                                                 call.correlation_id))


@bp.route(route="me", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="The signed-in user's profile", access="user", errors=(401,))
async def me(call: Call[None, None]) -> UserOut:
    from shared import responses, users
    return responses.user_out(await users.get_user(call.runtime.db, call.principal.id))


@bp.route(route="me", methods=["PATCH"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Change your own name, email or country", access="user",
          errors=(400, 401, 409, 413, 415, 422))
async def update_me(call: Call[UpdateProfileRequest, None]) -> UserOut:
    from shared import responses, users
    return responses.user_out(await users.update_profile(call.runtime.db, call.principal, call.body,
                                                         call.correlation_id))

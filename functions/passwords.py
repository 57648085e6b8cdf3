from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, Reply, endpoint

if TYPE_CHECKING:
    from shared.models import ChangePasswordRequest, PasswordResetConfirmRequest, PasswordResetRequest

bp = func.Blueprint()


@bp.route(route="me/password", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Change your password (every other session ends)", access="user", status=204,
          errors=(400, 401, 403, 413, 415, 422, 429, 503), during_password_change=True)
async def change_password(call: Call[ChangePasswordRequest, None]) -> Reply[None]:
    from shared import password_changes
    rt = call.runtime
    await password_changes.change(rt.db, rt.passwords, rt.sign_in_delays, rt.login_policy, call.principal, call.body,
                                  call.client_address, call.correlation_id)
    return Reply(204)


@bp.route(route="auth/password-reset", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Forgotten password: a reset link by email, if the username or email is ours (always 202)",
          access="public", status=202, errors=(400, 413, 415, 422, 429))
async def request_password_reset(call: Call[PasswordResetRequest, None]) -> Reply[None]:
    from shared import password_changes
    rt = call.runtime
    await password_changes.request_reset(rt.db, rt.mailer, rt.login_policy, call.body, call.client_address,
                                         rt.settings.public_base_url)
    return Reply(202)


@bp.route(route="auth/password-reset/confirm", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Set a new password with the emailed link's token (every session ends)", access="public",
          status=204, errors=(400, 413, 415, 422, 429, 503))
async def confirm_password_reset(call: Call[PasswordResetConfirmRequest, None]) -> Reply[None]:
    from shared import password_changes
    rt = call.runtime
    await password_changes.confirm_reset(rt.db, rt.passwords, rt.login_policy, call.body, call.client_address,
                                         call.correlation_id)
    return Reply(204)

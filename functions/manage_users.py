from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, Reply, endpoint

if TYPE_CHECKING:
    from shared.models import (
        CreateUserRequest,
        EntryPage,
        HistoryQuery,
        ManagedUserDetail,
        TemporaryPasswordOut,
        UpdateUserRequest,
        UserPage,
        UserSearchQuery,
    )

bp = func.Blueprint()


@bp.route(route="manage/users", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="List and search users", access="admin")
async def manage_list_users(call: Call[None, UserSearchQuery]) -> UserPage:
    from shared import backoffice, responses
    return responses.user_page(await backoffice.list_users(call.runtime.db, call.query))


@bp.route(route="manage/users", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Create a user (with a first EUR account)", access="admin", status=201, errors=(409,))
async def manage_create_user(call: Call[CreateUserRequest, None]) -> ManagedUserDetail:
    from shared import backoffice, responses
    rt = call.runtime
    return responses.user_detail(
        await backoffice.create_user(rt.db, rt.passwords, call.principal, call.body, call.correlation_id))


@bp.route(route="manage/users/{user_id}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="One user with all their accounts", access="admin", errors=(404,))
async def manage_get_user(call: Call[None, None]) -> ManagedUserDetail:
    from shared import backoffice, responses
    return responses.user_detail(await backoffice.get_user(call.runtime.db, call.user_id("user_id")))


@bp.route(route="manage/users/{user_id}", methods=["PATCH"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Change a user's name, email, country, role or active flag", access="admin", errors=(404, 409))
async def manage_update_user(call: Call[UpdateUserRequest, None]) -> ManagedUserDetail:
    from shared import backoffice, responses
    detail = await backoffice.update_user(call.runtime.db, call.principal, call.user_id("user_id"), call.body,
                                          call.correlation_id)
    return responses.user_detail(detail)


@bp.route(route="manage/users/{user_id}", methods=["DELETE"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Take a user out of service (deactivate, close accounts, keep history)", access="admin",
          status=204, errors=(404, 409))
async def manage_delete_user(call: Call[None, None]) -> Reply[None]:
    from shared import backoffice
    await backoffice.delete_user(call.runtime.db, call.principal, call.user_id("user_id"), call.correlation_id)
    return Reply(204)


@bp.route(route="manage/users/{user_id}/unlock", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Clear a user's sign-in throttle (after too many failed sign-ins) and unblock their second "
                  "factor (blocked for a while, or until the bank unblocks it)", access="admin",
          status=204, errors=(404,))
async def manage_unlock_user(call: Call[None, None]) -> Reply[None]:
    from shared import backoffice
    await backoffice.unlock_user(call.runtime.db, call.principal, call.user_id("user_id"), call.correlation_id)
    return Reply(204)


@bp.route(route="manage/users/{user_id}/second-factors/reset", methods=["POST"],
          auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Remove every second factor of a user who lost them all (after checking who they are): "
                  "they set one up again at their next sign-in", access="admin", status=204,
          errors=(403, 404, 409))
async def manage_reset_second_factors(call: Call[None, None]) -> Reply[None]:
    from shared import backoffice
    from shared.payment_authentication import require_strong_session

    require_strong_session(call.runtime.settings, call.session, "resetting someone's second factors")
    await backoffice.reset_second_factors(call.runtime.db, call.principal, call.user_id("user_id"),
                                          call.correlation_id)
    return Reply(204)


@bp.route(route="manage/users/{user_id}/transactions", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="A user's ledger entries across their accounts", access="admin", errors=(404,))
async def manage_user_transactions(call: Call[None, HistoryQuery]) -> EntryPage:
    from shared import backoffice, responses
    return responses.entry_page(await backoffice.user_history(call.runtime.db, call.user_id("user_id"), call.query))


@bp.route(route="manage/users/{user_id}/password-reset", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="A temporary password (24 h, only to choose a new one) for a customer at a branch",
          access="admin", errors=(404, 409))
async def manage_reset_password(call: Call[None, None]) -> TemporaryPasswordOut:
    from shared import password_changes
    from shared.models import TemporaryPasswordOut
    rt = call.runtime
    temporary = await password_changes.reset_by_staff(rt.db, rt.passwords, call.principal, call.user_id("user_id"),
                                                      call.correlation_id)
    return TemporaryPasswordOut(temporary_password=temporary.password, expires_at=temporary.expires_at)

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
        UpdateUserRequest,
        UserPage,
        UserSearchQuery,
    )

bp = func.Blueprint()


@bp.route(route="manage/users", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="List and search users", access="admin", query="UserSearchQuery", response="UserPage")
def manage_list_users(call: Call[None, UserSearchQuery]) -> UserPage:
    from shared import backoffice
    return backoffice.list_users(call.runtime.db, call.query)


@bp.route(route="manage/users", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Create a user (with a first EUR account)", access="admin", body="CreateUserRequest",
          response="ManagedUserDetail", status=201, errors=(409,))
def manage_create_user(call: Call[CreateUserRequest, None]) -> ManagedUserDetail:
    from shared import backoffice
    rt = call.runtime
    return backoffice.create_user(rt.db, rt.passwords, call.principal, call.body, call.correlation_id)


@bp.route(route="manage/users/{user_id}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="One user with all their accounts", access="admin", response="ManagedUserDetail",
          errors=(404,), path_params=("user_id",))
def manage_get_user(call: Call[None, None]) -> ManagedUserDetail:
    from shared import backoffice
    return backoffice.get_user(call.runtime.db, backoffice.parse_user_id(call.param("user_id")))


@bp.route(route="manage/users/{user_id}", methods=["PATCH"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Change a user's name, email, country, role or active flag", access="admin",
          body="UpdateUserRequest", response="ManagedUserDetail", errors=(404, 409), path_params=("user_id",))
def manage_update_user(call: Call[UpdateUserRequest, None]) -> ManagedUserDetail:
    from shared import backoffice
    user_id = backoffice.parse_user_id(call.param("user_id"))
    return backoffice.update_user(call.runtime.db, call.principal, user_id, call.body, call.correlation_id)


@bp.route(route="manage/users/{user_id}", methods=["DELETE"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Take a user out of service (deactivate, close accounts, keep history)", access="admin",
          status=204, errors=(404, 409), path_params=("user_id",))
def manage_delete_user(call: Call[None, None]) -> Reply:
    from shared import backoffice
    user_id = backoffice.parse_user_id(call.param("user_id"))
    backoffice.delete_user(call.runtime.db, call.principal, user_id, call.correlation_id)
    return Reply(204)


@bp.route(route="manage/users/{user_id}/transactions", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="A user's ledger entries across their accounts", access="admin", query="HistoryQuery",
          response="EntryPage", errors=(404,), path_params=("user_id",))
def manage_user_transactions(call: Call[None, HistoryQuery]) -> EntryPage:
    from shared import backoffice, history
    user_id = backoffice.parse_user_id(call.param("user_id"))
    backoffice.require_user(call.runtime.db, user_id)
    return history.history(call.runtime.db, user_id, call.query)

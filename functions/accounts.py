from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, endpoint

if TYPE_CHECKING:
    from shared.models import AccountList, AccountOut, OpenAccountRequest

bp = func.Blueprint()


@bp.route(route="accounts", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="The caller's accounts", access="user", response="AccountList", errors=(401,))
def list_accounts(call: Call[None, None]) -> AccountList:
    from shared import accounts
    return accounts.list_accounts(call.runtime.db, call.principal)


@bp.route(route="accounts", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Open another account", access="user", body="OpenAccountRequest", response="AccountOut",
          status=201, errors=(400, 401, 413, 415, 422))
def open_account(call: Call[OpenAccountRequest, None]) -> AccountOut:
    from shared import accounts
    return accounts.open_account(call.runtime.db, call.principal, call.body)


@bp.route(route="accounts/{number}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="One of the caller's accounts", access="user", response="AccountOut", errors=(401, 404),
          path_params=("number",))
def get_account(call: Call[None, None]) -> AccountOut:
    from shared import accounts
    return accounts.get_account(call.runtime.db, call.principal, call.param("number"))

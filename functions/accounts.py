from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, endpoint

if TYPE_CHECKING:
    from shared.models import (
        AccountList,
        AccountOut,
        BalanceHistoryOut,
        BalanceHistoryQuery,
        OpenAccountRequest,
        UpdateOwnAccountRequest,
    )

bp = func.Blueprint()


@bp.route(route="accounts", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="The caller's accounts", access="user", errors=(401,))
async def list_accounts(call: Call[None, None]) -> AccountList:
    from shared import accounts, responses
    return responses.account_list(await accounts.list_accounts(call.runtime.db, call.principal.id))


@bp.route(route="accounts", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Open another account (at most MAX_ACCOUNTS_PER_CUSTOMER open ones)", access="user", status=201,
          errors=(400, 401, 409, 413, 415, 422))
async def open_account(call: Call[OpenAccountRequest, None]) -> AccountOut:
    from shared import accounts, responses
    return responses.account_out(await accounts.open_account(call.runtime.db, call.principal.id, call.body,
                                                             max_open=call.runtime.settings.max_accounts_per_customer))


@bp.route(route="accounts/{number}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="One of the caller's accounts", access="user", errors=(401, 404))
async def get_account(call: Call[None, None]) -> AccountOut:
    from shared import accounts, responses
    number = call.account_number("number")
    return responses.account_out(await accounts.get_account(call.runtime.db, call.principal.id, number))


@bp.route(route="accounts/{number}", methods=["PATCH"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Rename or close one of the caller's accounts", access="user",
          errors=(400, 401, 404, 409, 413, 415, 422))
async def update_account(call: Call[UpdateOwnAccountRequest, None]) -> AccountOut:
    from shared import accounts, responses
    account = await accounts.update_own_account(call.runtime.db, call.principal, call.account_number("number"),
                                                call.body, call.correlation_id)
    return responses.account_out(account)


@bp.route(route="accounts/{number}/balance-history", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="One of the caller's accounts: its balance after each of its latest movements", access="user",
          errors=(401, 404, 422))
async def account_balance_history(call: Call[None, BalanceHistoryQuery]) -> BalanceHistoryOut:
    from shared import accounts, responses
    history = await accounts.balance_history(call.runtime.db, call.principal.id, call.account_number("number"),
                                             call.query.limit)
    return responses.balance_history_out(history)

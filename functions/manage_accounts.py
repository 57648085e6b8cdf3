from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, endpoint

if TYPE_CHECKING:
    from shared.models import AccountOut, UpdateAccountRequest

bp = func.Blueprint()


@bp.route(route="manage/accounts/{number}", methods=["PATCH"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Rename an account, change its country or status (freeze, unfreeze, close)",
          access="admin", errors=(404, 409))
async def manage_update_account(call: Call[UpdateAccountRequest, None]) -> AccountOut:
    from shared import backoffice, responses
    account = await backoffice.update_account(call.runtime.db, call.principal, call.account_number("number"),
                                              call.body, call.correlation_id,
                                              call.runtime.settings.max_accounts_per_customer)
    return responses.account_out(account)

from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, endpoint

if TYPE_CHECKING:
    from shared.models import DepositRequest, TransferOut

bp = func.Blueprint()


@bp.route(route="manage/accounts/{number}/deposits", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Record a cash deposit into a customer account", access="admin", status=201,
          idempotency_key=True, errors=(404, 409))
async def manage_deposit(call: Call[DepositRequest, None]) -> TransferOut:
    from shared import ledger, responses
    deposit = await ledger.deposit(call.runtime.db, call.principal, call.account_number("number"), call.body,
                                   call.idempotency_key, call.correlation_id)
    return responses.transfer_out(deposit)

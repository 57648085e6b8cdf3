from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, Reply, endpoint

if TYPE_CHECKING:
    from shared.models import DepositApprovalOut, DepositRequest, TransferOut

bp = func.Blueprint()


@bp.route(route="manage/accounts/{number}/deposits", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Record a cash deposit into a customer account (above the approval threshold: 202, "
                  "waiting for a second admin); needs a strongly authenticated session", access="admin", status=201,
          idempotency_key=True, errors=(403, 404, 409), other_success=((202, "DepositApprovalOut"),))
async def manage_deposit(call: Call[DepositRequest, None]) -> TransferOut | Reply[DepositApprovalOut]:
    from shared import approvals, responses
    from shared.domain import DepositApproval
    from shared.payment_authentication import require_strong_session

    require_strong_session(call.runtime.settings, call.session)
    taken = await approvals.take_deposit(call.runtime.db, call.principal, call.account_number("number"), call.body,
                                         call.idempotency_key, call.correlation_id,
                                         call.runtime.settings.deposit_approval_threshold_minor)
    if isinstance(taken, DepositApproval):
        return Reply(202, responses.deposit_approval_out(taken))
    return responses.transfer_out(taken)

from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, endpoint

if TYPE_CHECKING:
    from shared.models import ApprovalQuery, DepositApprovalOut, DepositApprovalPage, RejectApprovalRequest

bp = func.Blueprint()


@bp.route(route="manage/approvals", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Deposits above the approval threshold: pending first, then decided, newest first",
          access="admin", errors=(422,))
async def manage_list_approvals(call: Call[None, ApprovalQuery]) -> DepositApprovalPage:
    from shared import approvals, responses
    return responses.deposit_approval_page(await approvals.list_approvals(call.runtime.db, call.query))


@bp.route(route="manage/approvals/{approval_id}/approve", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Approve a pending deposit: posts it, once (another admin than the one who took it; a "
                  "strongly authenticated session)",
          access="admin", errors=(403, 404, 409))
async def manage_approve_deposit(call: Call[None, None]) -> DepositApprovalOut:
    from shared import approvals, responses
    from shared.payment_authentication import require_strong_session

    require_strong_session(call.runtime.settings, call.session)
    approval_id = approvals.parse_approval_id(str(call.request.route_params.get("approval_id", "")))
    return responses.deposit_approval_out(
        await approvals.approve(call.runtime.db, call.principal, approval_id, call.correlation_id))


@bp.route(route="manage/approvals/{approval_id}/reject", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Reject a pending deposit with a reason: nothing moves (another admin than the one who took it)",
          access="admin", errors=(400, 403, 404, 409, 413, 415, 422))
async def manage_reject_deposit(call: Call[RejectApprovalRequest, None]) -> DepositApprovalOut:
    from shared import approvals, responses
    approval_id = approvals.parse_approval_id(str(call.request.route_params.get("approval_id", "")))
    return responses.deposit_approval_out(
        await approvals.reject(call.runtime.db, call.principal, approval_id, call.body.reason, call.correlation_id))

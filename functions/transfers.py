from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, Reply, endpoint

if TYPE_CHECKING:
    from shared.models import FactorAnswerRequest, PendingPaymentOut, TransferOut, TransferPreviewOut, TransferRequest

bp = func.Blueprint()


@bp.route(route="transfers", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Move money from one of your accounts to another account (202 when it needs your second "
                  "factor: nothing moves until POST /api/transfers/confirm)", access="user", status=201,
          idempotency_key=True, errors=(400, 401, 403, 404, 409, 413, 415, 422), caller_checked_by_handler=True,
          other_success=((202, "PendingPaymentOut"),))
async def create_transfer(call: Call[TransferRequest, None]) -> TransferOut | Reply[PendingPaymentOut]:
    from shared import ledger, payment_authentication, responses
    from shared.domain import Transfer
    assert call.credentials is not None
    done = await ledger.transfer(call.runtime.db, call.credentials, call.body, call.idempotency_key,
                                 payment_authentication.for_runtime(call.runtime))
    if isinstance(done, Transfer):
        return responses.transfer_out(done)
    return Reply(202, responses.pending_payment_out(done))


@bp.route(route="transfers/confirm", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Confirm a payment waiting for your second factor: it posts exactly what it was bound to",
          access="user", status=201, errors=(400, 401, 403, 404, 409, 413, 415, 422, 429))
async def confirm_transfer(call: Call[FactorAnswerRequest, None]) -> TransferOut:
    from shared import payment_authentication, responses
    transfer = await payment_authentication.confirm(call.runtime.db, payment_authentication.for_runtime(call.runtime),
                                                    call.principal, call.body.challenge_id, call.body.method,
                                                    call.body.proof)
    return responses.transfer_out(transfer)


@bp.route(route="transfers/preview", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Check a transfer before confirming it: the answer or refusal it would get, nothing moved",
          access="user", errors=(400, 401, 404, 409, 413, 415, 422))
async def preview_transfer(call: Call[TransferRequest, None]) -> TransferPreviewOut:
    from shared import ledger, responses
    return responses.transfer_preview_out(await ledger.preview_transfer(call.runtime.db, call.principal.id,
                                                                       call.body))

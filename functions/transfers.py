from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, endpoint

if TYPE_CHECKING:
    from shared.models import TransferOut, TransferPreviewOut, TransferRequest

bp = func.Blueprint()


@bp.route(route="transfers", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Move money from one of your accounts to another account", access="user", status=201,
          idempotency_key=True, errors=(400, 401, 404, 409, 413, 415, 422), caller_checked_by_handler=True)
async def create_transfer(call: Call[TransferRequest, None]) -> TransferOut:
    from shared import ledger, responses
    assert call.credentials is not None
    transfer = await ledger.transfer(call.runtime.db, call.credentials, call.body, call.idempotency_key)
    return responses.transfer_out(transfer)


@bp.route(route="transfers/preview", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Check a transfer before confirming it: the answer or refusal it would get, nothing moved",
          access="user", errors=(400, 401, 404, 409, 413, 415, 422))
async def preview_transfer(call: Call[TransferRequest, None]) -> TransferPreviewOut:
    from shared import ledger, responses
    return responses.transfer_preview_out(await ledger.preview_transfer(call.runtime.db, call.principal.id,
                                                                       call.body))

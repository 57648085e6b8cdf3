from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, endpoint

if TYPE_CHECKING:
    from shared.models import EntryPage, HistoryQuery

bp = func.Blueprint()


@bp.route(route="transactions", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="The caller's ledger entries, newest first", access="user", errors=(401, 422))
async def list_transactions(call: Call[None, HistoryQuery]) -> EntryPage:
    from shared import history, responses
    return responses.entry_page(await history.history_page(call.runtime.db, call.principal.id, call.query))

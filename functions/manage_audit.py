from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, endpoint

if TYPE_CHECKING:
    from shared.models import AuditPage, AuditQuery

bp = func.Blueprint()


@bp.route(route="manage/audit", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="The audit trail, newest first, filtered by action, actor, target and time", access="admin",
          errors=(422,))
async def manage_audit_trail(call: Call[None, AuditQuery]) -> AuditPage:
    from shared import audit, responses
    return responses.audit_page(await audit.list_records(call.runtime.db, call.query))

from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, FileReply, endpoint

if TYPE_CHECKING:
    from shared.models import AuditFilters, AuditPage, AuditQuery

bp = func.Blueprint()


@bp.route(route="manage/audit", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="The audit trail, newest first, filtered by action, actor, target and time", access="admin",
          errors=(422,))
async def manage_audit_trail(call: Call[None, AuditQuery]) -> AuditPage:
    from shared import audit, responses
    return responses.audit_page(await audit.list_records(call.runtime.db, call.query))


@bp.route(route="manage/audit/export", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="The audit trail as a CSV file, with the list's filters (at most 10,000 events; the export "
                  "is audited)", access="admin", errors=(422,), files=("text/csv",))
async def manage_audit_export(call: Call[None, AuditFilters]) -> FileReply:
    from datetime import UTC, datetime

    from shared import audit, responses
    records = await audit.export_records(call.runtime.db, call.principal, call.query, call.correlation_id)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return FileReply(responses.audit_csv(records), "text/csv", f"iebank-audit-{stamp}Z.csv")

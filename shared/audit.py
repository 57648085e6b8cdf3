"""The staff audit trail: who did what to whom, written in the same transaction as the change."""

import json
from typing import TYPE_CHECKING, Any

from shared import cursors
from shared.auth import Principal
from shared.models import AuditPage, AuditRecordOut, PageQuery

if TYPE_CHECKING:
    from shared.db import Database, Session

# Never recorded, whatever a caller passes in.
_SECRET_FIELDS = frozenset({"password", "password_hash", "password_confirmation", "token"})


def record(session: "Session", actor: Principal, action: str, target_type: str, target_id: str,
           changes: dict[str, Any], correlation_id: str) -> None:
    safe = {key: value for key, value in changes.items() if key not in _SECRET_FIELDS}
    session.execute(
        "INSERT INTO audit_log (actor_id, actor_username, action, target_type, target_id, changes, correlation_id)"
        " VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s)",
        (actor.id, actor.username, action, target_type, target_id, json.dumps(safe, default=str), correlation_id),
    )


def list_records(db: "Database", query: PageQuery) -> AuditPage:
    before = cursors.decode_int(query.cursor)
    with db.session() as session:
        rows = session.fetch_all(
            "SELECT id, actor_id, actor_username, action, target_type, target_id, changes, correlation_id,"
            " created_at FROM audit_log WHERE id < %s ORDER BY id DESC LIMIT %s",
            (before if before is not None else 2**63 - 1, query.limit + 1),
        )
    page = rows[: query.limit]
    next_cursor = cursors.encode(page[-1]["id"]) if len(rows) > query.limit else None
    return AuditPage(items=[AuditRecordOut.model_validate(row) for row in page], next_cursor=next_cursor)

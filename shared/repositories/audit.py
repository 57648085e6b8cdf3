"""The audit trail: appended in the transaction of the change it records, never updated."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from shared.db import Reader, UnitOfWork
from shared.domain import AuditRecord


async def append(uow: UnitOfWork, actor_id: UUID | None, actor_username: str, action: str, target_type: str,
                 target_id: str, changes: dict[str, Any], correlation_id: str) -> None:
    await uow.execute(
        "INSERT INTO audit_log (actor_id, actor_username, action, target_type, target_id, changes, correlation_id)"
        " VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s)",
        (actor_id, actor_username, action, target_type, target_id, json.dumps(changes, default=str), correlation_id),
    )


async def append_anonymous_and_commit(uow: UnitOfWork, target_type: str, target_id: str,
                                      events: list[tuple[str, dict[str, Any]]], correlation_id: str) -> None:
    """Appends events of nobody signed in (actor 'anonymous'), in order, and commits: one
    statement, alone in its unit one round trip."""
    await uow.commit_with(
        "INSERT INTO audit_log (actor_id, actor_username, action, target_type, target_id, changes, correlation_id)"
        " SELECT NULL, 'anonymous', e.event ->> 'action', %s, %s, e.event -> 'changes', %s"
        " FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS e(event, n) ORDER BY e.n RETURNING id",
        (target_type, target_id, correlation_id,
         json.dumps([{"action": action, "changes": changes} for action, changes in events], default=str)))


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    actor: str | None = None  # a username, any letter case
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None


# The target as a person reads it, resolved in the same statement (no query per row): a user id
# names its user (users are never deleted, only taken out of service); an account number is its
# own label. The CASE keeps the uuid cast away from targets that are not user ids.
_SELECT = """
SELECT a.id, a.actor_id, a.actor_username, a.action, a.target_type, a.target_id, a.changes, a.correlation_id,
       a.created_at, coalesce(u.username, a.target_id) AS target_label
  FROM audit_log a
  LEFT JOIN users u
    ON u.id = CASE WHEN a.target_type = 'user'
                        AND a.target_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                   THEN a.target_id::uuid END
 WHERE a.id < %(before)s
   AND (%(action)s::text IS NULL OR a.action = %(action)s::text)
   AND (%(actor)s::text IS NULL OR lower(a.actor_username) = lower(%(actor)s::text))
   AND (%(target)s::text IS NULL OR a.target_id = %(target)s::text)
   AND (%(since)s::timestamptz IS NULL OR a.created_at >= %(since)s::timestamptz)
   AND (%(until)s::timestamptz IS NULL OR a.created_at <= %(until)s::timestamptz)
 ORDER BY a.id DESC
 LIMIT %(limit)s
"""


async def page(db: Reader, before_id: int, limit: int, matching: AuditFilter = AuditFilter()) -> list[AuditRecord]:
    """Newest first, below before_id, at most limit records that match every filter given, each
    with its target's label."""
    rows = await db.fetch_all(_SELECT, {"before": before_id, "limit": limit, "action": matching.action,
                                        "actor": matching.actor, "target": matching.target,
                                        "since": matching.since, "until": matching.until})
    return [AuditRecord(**row) for row in rows]

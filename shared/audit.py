"""The audit trail: who did what to whom, written in the same transaction as the change: staff
actions, and the security events of customers (registrations, email changes, failed sign-ins,
lock-outs)."""

from typing import Any

from shared import account_numbers, cursors
from shared.auth import Principal
from shared.db import Database, UnitOfWork
from shared.domain import AuditRecord, Page
from shared.errors import ValidationFailed
from shared.models import AuditFilters, AuditQuery
from shared.repositories import audit
from shared.repositories.audit import AuditFilter

# Never recorded, whatever a caller passes in.
_SECRET_FIELDS = frozenset({"password", "password_hash", "password_confirmation", "token"})


async def record(uow: UnitOfWork, actor: Principal | None, action: str, target_type: str, target_id: str,
                 changes: dict[str, Any], correlation_id: str) -> None:
    """Appends to the trail in the caller's unit of work; actor None is the system (ops commands)."""
    safe = {key: value for key, value in changes.items() if key not in _SECRET_FIELDS}
    await audit.append(uow, actor.id if actor else None, actor.username if actor else "system", action,
                       target_type, target_id, safe, correlation_id)


async def record_sign_in_failure(uow: UnitOfWork, username_key: str, reason: str, attempts: int,
                                 locked_out: bool, correlation_id: str) -> None:
    """A failed sign-in, and the lock-out when it used up the last allowed attempt: by nobody
    proven (the actor is 'anonymous'), about the username as typed (lower case), never the
    password. One statement, committed with it."""
    events: list[tuple[str, dict[str, Any]]] = [("auth.login_failed", {"reason": reason, "attempts": attempts})]
    if locked_out:
        events.append(("auth.locked_out", {"attempts": attempts}))
    await audit.append_anonymous_and_commit(uow, "username", username_key, events, correlation_id)


def _matching(query: AuditFilters) -> AuditFilter:
    """The filters as the repository takes them; an account number as target may be typed with
    spaces, in any case."""
    target = query.target
    if target is not None and account_numbers.is_valid(account_numbers.normalize(target)):
        target = account_numbers.normalize(target)
    return AuditFilter(action=query.action, actor=query.actor, target=target, since=query.from_, until=query.to)


async def list_records(db: Database, query: AuditQuery) -> Page[AuditRecord]:
    """Newest first, filtered."""
    async with db.reader() as read:
        rows = await audit.page(read, cursors.page_below(query.cursor), query.limit + 1, _matching(query))
    page = rows[: query.limit]
    return Page(page, cursors.encode(page[-1].id) if len(rows) > query.limit else None)


# What one export holds at most (a few MB): past it the staff member narrows the filters rather
# than receiving a file that silently stops short.
EXPORT_MAX_ROWS = 10_000


async def export_records(db: Database, staff: Principal, query: AuditFilters, correlation_id: str) -> list[AuditRecord]:
    """Every record the filters match, newest first, for a file; 422 at `from` when more than
    EXPORT_MAX_ROWS match. The export is itself audited (`audit.export`, with its filters and row
    count), in the transaction that read it."""
    async with db.unit_of_work() as uow:
        rows = await audit.page(uow, cursors.page_below(None), EXPORT_MAX_ROWS + 1, _matching(query))
        if len(rows) > EXPORT_MAX_ROWS:
            raise ValidationFailed([("from", f"more than {EXPORT_MAX_ROWS:,} events match: export a shorter time "
                                             "range, or filter by action, actor or target")],
                                   "Too many events for one export.")
        used = query.model_dump(mode="json", by_alias=True, exclude_none=True)
        await record(uow, staff, "audit.export", "audit", "export", {"filters": used, "rows": len(rows)},
                     correlation_id)
        await uow.commit()
    return rows

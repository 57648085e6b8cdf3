"""The audit trail: who did what to whom, written in the same transaction as the change: staff
actions, and the security events of customers (registrations, email changes, failed sign-ins,
lock-outs)."""

from typing import Any

from shared import account_numbers, cursors
from shared.auth import Principal
from shared.db import Database, UnitOfWork
from shared.domain import AuditRecord, Page
from shared.models import AuditQuery
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


async def list_records(db: Database, query: AuditQuery) -> Page[AuditRecord]:
    """Newest first, filtered; an account number as target may be typed with spaces, in any case."""
    target = query.target
    if target is not None and account_numbers.is_valid(account_numbers.normalize(target)):
        target = account_numbers.normalize(target)
    matching = AuditFilter(action=query.action, actor=query.actor, target=target, since=query.from_, until=query.to)
    async with db.reader() as read:
        rows = await audit.page(read, cursors.page_below(query.cursor), query.limit + 1, matching)
    page = rows[: query.limit]
    return Page(page, cursors.encode(page[-1].id) if len(rows) > query.limit else None)

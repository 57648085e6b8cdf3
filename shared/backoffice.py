"""Back office use cases for bank staff: users and accounts. Every change is audited in its own
transaction, with the values before and after."""

from typing import TYPE_CHECKING, Any
from uuid import UUID

from shared import audit, cursors
from shared.accounts import ACCOUNT_COLUMNS, account_out, insert_account, parse_account_number
from shared.auth import Principal
from shared.errors import (
    AccountHasBalance,
    AccountNotFound,
    DuplicateKey,
    EmailTaken,
    LastAdmin,
    SelfModification,
    UserNotFound,
)
from shared.models import (
    AccountOut,
    CreateUserRequest,
    CurrencyBalance,
    ManagedUserDetail,
    ManagedUserSummary,
    UpdateAccountRequest,
    UpdateUserRequest,
    UserPage,
    UserSearchQuery,
)
from shared.money import format_minor
from shared.users import USER_COLUMNS, insert_user

if TYPE_CHECKING:
    from shared.db import Database, Session
    from shared.passwords import PasswordHasher

_USER_PAGE = """
SELECT u.id, u.username, u.full_name, u.email, u.country, u.role, u.active, u.created_at,
       lower(u.username) AS position,
       (SELECT count(*) FROM accounts a WHERE a.owner_id = u.id) AS account_count,
       (SELECT coalesce(json_agg(json_build_object('currency', b.currency, 'balance', b.total)
                                 ORDER BY b.currency), '[]'::json)
          FROM (SELECT currency, sum(balance) AS total FROM accounts a WHERE a.owner_id = u.id
                 GROUP BY currency) b) AS balances
  FROM users u
 WHERE (%(after)s::text IS NULL OR lower(u.username) > %(after)s::text)
   AND (%(pattern)s::text IS NULL OR u.username ILIKE %(pattern)s OR u.full_name ILIKE %(pattern)s
        OR u.email ILIKE %(pattern)s)
 ORDER BY lower(u.username)
 LIMIT %(limit)s
"""


def parse_user_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise UserNotFound("No such user.") from None


def _like_pattern(text: str | None) -> str | None:
    if not text:
        return None
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_users(db: "Database", query: UserSearchQuery) -> UserPage:
    """Users in username order, filtered by a search over username, name and email."""
    with db.session() as session:
        rows = session.fetch_all(_USER_PAGE, {"after": cursors.decode_text(query.cursor),
                                              "pattern": _like_pattern(query.q), "limit": query.limit + 1})
    page = rows[: query.limit]
    items = [ManagedUserSummary.model_validate({
        **row, "balances": [CurrencyBalance(currency=b["currency"], balance=format_minor(int(b["balance"])))
                            for b in row["balances"]],
    }) for row in page]
    next_cursor = cursors.encode(page[-1]["position"]) if len(rows) > query.limit else None
    return UserPage(items=items, next_cursor=next_cursor)


def _detail(session: "Session", user_id: UUID) -> ManagedUserDetail:
    user = session.fetch_one("SELECT " + USER_COLUMNS + " FROM users WHERE id = %s", (user_id,))
    if user is None:
        raise UserNotFound("No such user.")
    accounts = session.fetch_all("SELECT " + ACCOUNT_COLUMNS + " FROM accounts WHERE owner_id = %s ORDER BY id",
                                 (user_id,))
    return ManagedUserDetail.model_validate({**user, "accounts": [account_out(row) for row in accounts]})


def get_user(db: "Database", user_id: UUID) -> ManagedUserDetail:
    with db.session() as session:
        return _detail(session, user_id)


def require_user(db: "Database", user_id: UUID) -> None:
    with db.session() as session:
        if session.fetch_one("SELECT 1 FROM users WHERE id = %s", (user_id,)) is None:
            raise UserNotFound("No such user.")


def create_user(db: "Database", passwords: "PasswordHasher", staff: Principal, request: CreateUserRequest,
                correlation_id: str) -> ManagedUserDetail:
    password_hash = passwords.hash(request.password)
    with db.transaction() as session:
        user = insert_user(session, request.username, password_hash, request.full_name, request.email,
                           request.country, request.role)
        insert_account(session, user.id, request.full_name[:50], "EUR", request.country)
        audit.record(session, staff, "user.create", "user", str(user.id),
                     request.model_dump(exclude={"password"}), correlation_id)
        return _detail(session, user.id)


# Any constant works; every transaction that may change who is an active admin takes it first.
_ADMIN_SET_LOCK = 0x1EBAD


def _serialize_admin_changes(session: "Session") -> None:
    """Changes to roles and active flags run one at a time, so two staff demoting each other at
    once can neither leave the bank without an admin nor deadlock on each other's rows."""
    session.execute("SELECT pg_advisory_xact_lock(%s)", (_ADMIN_SET_LOCK,))


def _guard_admin_removal(session: "Session", staff: Principal, user_id: UUID, removes_admin: bool) -> None:
    if not removes_admin:
        return
    if user_id == staff.id:
        raise SelfModification("You cannot deactivate, delete or demote yourself.")
    rows = session.fetch_all("SELECT id FROM users WHERE role = 'admin' AND active")
    if {row["id"] for row in rows} <= {user_id}:
        raise LastAdmin("This is the last active admin; the bank must keep one.")


def update_user(db: "Database", staff: Principal, user_id: UUID, request: UpdateUserRequest,
                correlation_id: str) -> ManagedUserDetail:
    changes = request.model_dump(exclude_unset=True)
    with db.transaction() as session:
        if "role" in changes or "active" in changes:
            _serialize_admin_changes(session)
        before = session.fetch_one("SELECT " + USER_COLUMNS + " FROM users WHERE id = %s FOR UPDATE", (user_id,))
        if before is None:
            raise UserNotFound("No such user.")
        was_active_admin = before["role"] == "admin" and before["active"]
        stays_active_admin = changes.get("role", before["role"]) == "admin" and changes.get("active", before["active"])
        _guard_admin_removal(session, staff, user_id, was_active_admin and not stays_active_admin)
        try:
            session.execute(
                "UPDATE users SET full_name = %(full_name)s, email = %(email)s, country = %(country)s,"
                " role = %(role)s, active = %(active)s, updated_at = now() WHERE id = %(id)s",
                {**{key: before[key] for key in ("full_name", "email", "country", "role", "active")},
                 **changes, "id": user_id},
            )
        except DuplicateKey:
            raise EmailTaken("An account with that email address exists already.") from None
        diff = {key: {"before": before[key], "after": value} for key, value in changes.items()
                if before[key] != value}
        if diff:
            audit.record(session, staff, "user.update", "user", str(user_id), diff, correlation_id)
        return _detail(session, user_id)


def delete_user(db: "Database", staff: Principal, user_id: UUID, correlation_id: str) -> None:
    """Takes a user out of service: deactivated, accounts closed, history kept. Refused while any
    of their accounts holds money."""
    with db.transaction() as session:
        _serialize_admin_changes(session)
        user = session.fetch_one("SELECT role, active FROM users WHERE id = %s FOR UPDATE", (user_id,))
        if user is None:
            raise UserNotFound("No such user.")
        if user_id == staff.id:
            raise SelfModification("You cannot delete yourself.")
        _guard_admin_removal(session, staff, user_id, user["role"] == "admin" and user["active"])
        accounts = session.fetch_all(
            "SELECT number, balance, status FROM accounts WHERE owner_id = %s ORDER BY id FOR UPDATE", (user_id,))
        holding = [row["number"] for row in accounts if row["balance"] != 0]
        if holding:
            raise AccountHasBalance("Move the money out first: " + ", ".join(holding) + " still hold money.")
        session.execute("UPDATE users SET active = false, updated_at = now() WHERE id = %s", (user_id,))
        session.execute("UPDATE accounts SET status = 'closed' WHERE owner_id = %s", (user_id,))
        audit.record(session, staff, "user.delete", "user", str(user_id),
                     {"active": {"before": user["active"], "after": False},
                      "closed_accounts": [row["number"] for row in accounts if row["status"] != "closed"]},
                     correlation_id)


def update_account(db: "Database", staff: Principal, number: str, request: UpdateAccountRequest,
                   correlation_id: str) -> AccountOut:
    """Renames, moves or changes the status of a customer account; closing needs a zero balance."""
    number = parse_account_number(number)
    changes = request.model_dump(exclude_unset=True)
    with db.transaction() as session:
        before = session.fetch_one(
            "SELECT " + ACCOUNT_COLUMNS + " FROM accounts WHERE number = %s AND kind = 'customer' FOR UPDATE",
            (number,))
        if before is None:
            raise AccountNotFound("No such account.")
        if changes.get("status") == "closed" and before["status"] != "closed" and before["balance"] != 0:
            raise AccountHasBalance("Only an account with a zero balance can be closed.")
        row = session.fetch_one(
            "UPDATE accounts SET name = %(name)s, country = %(country)s, status = %(status)s"
            " WHERE number = %(number)s RETURNING " + ACCOUNT_COLUMNS,
            {**{key: before[key] for key in ("name", "country", "status")}, **changes, "number": number},
        )
        assert row is not None
        diff: dict[str, Any] = {key: {"before": before[key], "after": value} for key, value in changes.items()
                                if before[key] != value}
        if diff:
            action = "account.status" if "status" in diff else "account.update"
            audit.record(session, staff, action, "account", number, diff, correlation_id)
        return account_out(row)

"""Back office use cases for bank staff: users and accounts. Every change is audited in its own
transaction, with the values before and after."""

from typing import Any
from uuid import UUID

from shared import account_numbers, audit, cursors
from shared.accounts import check_account_limit
from shared.auth import Principal
from shared.db import Database, Reader, UnitOfWork
from shared.domain import Account, CustomerDetail, CustomerSummary, Entry, Page
from shared.errors import (
    AccountHasBalance,
    AccountNotFound,
    DuplicateKey,
    EmailTaken,
    LastAdmin,
    SelfModification,
    UserNotFound,
)
from shared.history import history_page
from shared.models import (
    CreateUserRequest,
    HistoryQuery,
    UpdateAccountRequest,
    UpdateUserRequest,
    UserSearchQuery,
)
from shared.passwords import PasswordHasher
from shared.repositories import accounts, factors, passkeys, sessions, users
from shared.users import create_user as create_user_with_account


async def list_users(db: Database, query: UserSearchQuery) -> Page[CustomerSummary]:
    """Users in username order, filtered by a search over username, name and email, and by the
    number of an account they own (typed with spaces or in lower case, as people do)."""
    number = account_numbers.normalize(query.q) if query.q else None
    async with db.reader() as read:
        rows = await users.search(read, query.q, number, cursors.decode_text(query.cursor), query.limit + 1)
    page = rows[: query.limit]
    return Page([summary for _, summary in page], cursors.encode(page[-1][0]) if len(rows) > query.limit else None)


async def _detail(db: Reader, user_id: UUID) -> CustomerDetail:
    user = await users.by_id(db, user_id)
    if user is None:
        raise UserNotFound("No such user.")
    blocked_until, locked = await factors.block_of(db, user_id)
    return CustomerDetail(user, await accounts.of_owner(db, user_id), blocked_until, locked)


async def get_user(db: Database, user_id: UUID) -> CustomerDetail:
    async with db.reader() as read:
        return await _detail(read, user_id)


async def user_history(db: Database, user_id: UUID, query: HistoryQuery) -> Page[Entry]:
    async with db.reader() as read:
        if not await users.exists(read, user_id):
            raise UserNotFound("No such user.")
    return await history_page(db, user_id, query)


async def create_user(db: Database, passwords: PasswordHasher, staff: Principal, command: CreateUserRequest,
                      correlation_id: str) -> CustomerDetail:
    password_hash = await passwords.hash(command.password)  # before any connection is taken
    async with db.unit_of_work() as uow:
        user, _ = await create_user_with_account(uow, command.username, password_hash, command.full_name,
                                                 command.email, command.country, command.role)
        await audit.record(uow, staff, "user.create", "user", str(user.id),
                           command.model_dump(exclude={"password"}), correlation_id)
        detail = await _detail(uow, user.id)
        await uow.commit()
    return detail


async def _guard_admin_removal(uow: UnitOfWork, staff: Principal, user_id: UUID, removes_admin: bool) -> None:
    if not removes_admin:
        return
    if user_id == staff.id:
        raise SelfModification("You cannot deactivate, delete or demote yourself.")
    if await users.active_admin_ids(uow) <= {user_id}:
        raise LastAdmin("This is the last active admin; the bank must keep one.")


_USER_FIELDS = ("full_name", "email", "country", "role", "active")


async def update_user(db: Database, staff: Principal, user_id: UUID, command: UpdateUserRequest,
                      correlation_id: str) -> CustomerDetail:
    changes = command.model_dump(exclude_unset=True)
    async with db.unit_of_work() as uow:
        if "role" in changes or "active" in changes:
            await users.serialize_admin_changes(uow)
        before = await users.lock(uow, user_id)
        if before is None:
            raise UserNotFound("No such user.")
        was_active_admin = before.role == "admin" and before.active
        stays_active_admin = changes.get("role", before.role) == "admin" and changes.get("active", before.active)
        await _guard_admin_removal(uow, staff, user_id, was_active_admin and not stays_active_admin)
        old = {key: getattr(before, key) for key in _USER_FIELDS}
        try:
            await users.update(uow, user_id, {**old, **changes})
        except DuplicateKey:
            raise EmailTaken("An account with that email address exists already.") from None
        diff: dict[str, object] = {
            key: {"before": old[key], "after": value} for key, value in changes.items() if old[key] != value}
        if before.active and changes.get("active") is False:
            # Revoked, not merely refused while inactive: reactivation must not bring them back.
            diff["sessions_ended"] = await sessions.revoke_all(uow, user_id, "deactivated")
        if diff:
            await audit.record(uow, staff, "user.update", "user", str(user_id), diff, correlation_id)
        detail = await _detail(uow, user_id)
        await uow.commit()
    return detail


async def delete_user(db: Database, staff: Principal, user_id: UUID, correlation_id: str) -> None:
    """Takes a user out of service: deactivated, accounts closed, history kept. Refused while any
    of their accounts holds money."""
    async with db.unit_of_work() as uow:
        await users.serialize_admin_changes(uow)
        user = await users.lock(uow, user_id)
        if user is None:
            raise UserNotFound("No such user.")
        if user_id == staff.id:
            raise SelfModification("You cannot delete yourself.")
        await _guard_admin_removal(uow, staff, user_id, user.role == "admin" and user.active)
        owned = await accounts.lock_of_owner(uow, user_id)
        holding = [account.number for account in owned if account.balance != 0]
        if holding:
            raise AccountHasBalance("Move the money out first: " + ", ".join(holding) + " still hold money.")
        await users.deactivate(uow, user_id)
        await sessions.revoke_all(uow, user_id, "deactivated")
        await accounts.close_all_of_owner(uow, user_id)
        await audit.record(uow, staff, "user.delete", "user", str(user_id),
                           {"active": {"before": user.active, "after": False},
                            "closed_accounts": [account.number for account in owned if account.status != "closed"]},
                           correlation_id)
        await uow.commit()


async def unlock_user(db: Database, staff: Principal, user_id: UUID, correlation_id: str) -> None:
    """Clears the user's sign-in throttle and unblocks their second factor (a block for a while, or
    the lock after FACTOR_MAX_BLOCKS blocks), so they can sign in at once (after the bank has
    checked who is calling)."""
    async with db.unit_of_work() as uow:
        user = await users.lock(uow, user_id)
        if user is None:
            raise UserNotFound("No such user.")
        attempts = await users.clear_attempts(uow, user.username.lower())  # the key login counts under
        factor = await factors.block_state(uow, user_id)
        await factors.reset_failures(uow, user_id)
        await audit.record(uow, staff, "user.unlock", "user", str(user_id),
                           {"failed_attempts_cleared": attempts, "second_factor_unlocked": factor.locked,
                            "second_factor_block_cleared": factor.seconds > 0}, correlation_id)
        await uow.commit()


async def reset_second_factors(db: Database, staff: Principal, user_id: UUID, correlation_id: str) -> None:
    """For someone who lost every second factor and their recovery codes, once the bank has checked
    who they are (at a branch): their authenticator app, recovery codes and passkeys are removed,
    any block cleared and every session ended. They sign in next with their password alone and,
    when they must hold a factor (staff; customers while SCA_REQUIRED_FOR_CUSTOMERS), set one up
    before anything else. Another member of staff does it for staff."""
    if user_id == staff.id:
        raise SelfModification("Another member of staff must reset your second factors.")
    async with db.unit_of_work() as uow:
        user = await users.lock(uow, user_id)
        if user is None:
            raise UserNotFound("No such user.")
        had_app = await factors.delete_totp(uow, user_id, pending_too=True)
        await factors.delete_recovery_codes(uow, user_id)
        passkeys_removed = await passkeys.delete_all(uow, user_id)
        await factors.reset_failures(uow, user_id)
        ended = await sessions.revoke_all(uow, user_id, "revoked")
        await audit.record(uow, staff, "user.factors_reset", "user", str(user_id),
                           {"authenticator_app_removed": had_app, "passkeys_removed": passkeys_removed,
                            "sessions_ended": ended}, correlation_id)
        await uow.commit()


_ACCOUNT_FIELDS = ("name", "country", "status")


async def update_account(db: Database, staff: Principal, number: str, command: UpdateAccountRequest,
                         correlation_id: str, max_open: int) -> Account:
    """Renames, moves or changes the status of a customer account; closing needs a zero balance,
    and reopening a closed one room under the owner's MAX_ACCOUNTS_PER_CUSTOMER open accounts."""
    changes = command.model_dump(exclude_unset=True)
    async with db.unit_of_work() as uow:
        owner_id = await accounts.owner_of(uow, number) if changes.get("status") in ("active", "frozen") else None
        if owner_id is not None:
            await accounts.lock_owner(uow, owner_id)  # before the account, as a user's deletion locks them
        before = await accounts.lock_customer_account(uow, number)
        if before is None:
            raise AccountNotFound("No such account.")
        if owner_id is not None and before.status == "closed":
            await check_account_limit(uow, owner_id, max_open)
        if changes.get("status") == "closed" and before.status != "closed" and before.balance != 0:
            raise AccountHasBalance("Only an account with a zero balance can be closed.")
        old = {key: getattr(before, key) for key in _ACCOUNT_FIELDS}
        account = await accounts.update(uow, number, {**old, **changes})
        diff: dict[str, Any] = {key: {"before": old[key], "after": value} for key, value in changes.items()
                                if old[key] != value}
        if diff:
            action = "account.status" if "status" in diff else "account.update"
            await audit.record(uow, staff, action, "account", number, diff, correlation_id)
        await uow.commit()
    return account


async def ensure_admin(db: Database, passwords: PasswordHasher, username: str, password: str,
                       email: str | None = None) -> str:
    """Creates the admin, or makes the existing user an active admin with this password (an
    operator's command, audited as the system), who must set up a second factor before the back
    office answers. Returns "created", "updated" or "unchanged": a second run with the same input
    changes nothing."""
    async with db.unit_of_work() as uow:
        found = await users.lock_by_username(uow, username)
    if found is None:
        password_hash = await passwords.hash(password)
        async with db.unit_of_work() as uow:
            user = await users.insert(uow, username, password_hash, "Bank administrator",
                                      email or f"{username.lower()}@iebank.example", "IE", "admin")
            await users.require_second_factor(uow, user.id)
            await audit.record(uow, None, "admin.create", "user", str(user.id), {"username": username},
                               "ops-create-admin")
            await uow.commit()
        return "created"
    user, current_hash = found
    password_ok = await passwords.verify(password, current_hash)
    if user.role == "admin" and user.active and password_ok and user.second_factor_required:
        return "unchanged"
    new_hash = current_hash if password_ok else await passwords.hash(password)
    async with db.unit_of_work() as uow:
        await users.update(uow, user.id, {"full_name": user.full_name, "email": user.email, "country": user.country,
                                          "role": "admin", "active": True})
        await users.set_password_hash(uow, user.id, new_hash)
        await users.require_second_factor(uow, user.id)
        await audit.record(uow, None, "admin.update", "user", str(user.id),
                           {"role": {"before": user.role, "after": "admin"},
                            "active": {"before": user.active, "after": True}, "password_changed": not password_ok},
                           "ops-create-admin")
        await uow.commit()
    return "updated"

"""Customer accounts: list, open, read, rename, close. Only the owner sees an account."""

from dataclasses import replace
from uuid import UUID

from shared import account_numbers, audit
from shared.auth import Principal
from shared.db import Database, UnitOfWork
from shared.domain import Account, BalanceHistory
from shared.errors import (
    AccountClosed,
    AccountFrozen,
    AccountHasBalance,
    AccountHasStandingOrders,
    AccountLimitReached,
    AccountNotFound,
)
from shared.models import OpenAccountRequest, UpdateOwnAccountRequest
from shared.repositories import accounts, standing_orders


def parse_account_number(text: str) -> str:
    """An account number as people type it; AccountNotFound when it cannot be one."""
    number = account_numbers.normalize(text)
    if not account_numbers.is_valid(number):
        raise AccountNotFound("No such account.")
    return number


async def list_accounts(db: Database, owner_id: UUID) -> list[Account]:
    async with db.reader() as read:
        return await accounts.of_owner(read, owner_id)


async def open_account(db: Database, owner_id: UUID, command: OpenAccountRequest, *, max_open: int) -> Account:
    """Opens an account, unless the owner holds max_open open (not closed) accounts already
    (MAX_ACCOUNTS_PER_CUSTOMER): counted under the owner's lock, so two opening at once cannot
    pass the limit together."""
    async with db.unit_of_work() as uow:
        country = await accounts.lock_owner(uow, owner_id)
        if country is None:
            raise AccountNotFound("No such user.")
        await check_account_limit(uow, owner_id, max_open)
        account = await accounts.insert(uow, owner_id, command.name, command.currency, country)
        await uow.commit()
    return account


async def check_account_limit(uow: UnitOfWork, owner_id: UUID, max_open: int) -> None:
    """AccountLimitReached when the owner (locked by the caller) holds max_open open accounts."""
    if await accounts.count_open(uow, owner_id) >= max_open:
        raise AccountLimitReached(f"You can hold at most {max_open} open accounts: close one you no longer use "
                                  "before opening another.")


async def get_account(db: Database, owner_id: UUID, number: str) -> Account:
    """The caller's account; AccountNotFound for any other, so nothing tells that it exists."""
    async with db.reader() as read:
        account = await accounts.owned(read, owner_id, number)
    if account is None:
        raise AccountNotFound("No such account.")
    return account


async def update_own_account(db: Database, owner: Principal, number: str, command: UpdateOwnAccountRequest,
                             correlation_id: str) -> Account:
    """Renames or closes one of the owner's accounts. Closing needs a zero balance; a closed
    account stays closed (only the bank reopens one) and a frozen one is the bank's to close.
    Closing is audited with the owner as the actor."""
    changes = command.model_dump(exclude_unset=True)
    async with db.unit_of_work() as uow:
        # Locked: a transfer into the account waits, so the balance seen here is the one it closes with.
        before = await accounts.lock_owned(uow, owner.id, number)
        if before is None:
            raise AccountNotFound("No such account.")
        if before.status == "closed":
            raise AccountClosed("This account is closed: only the bank can reopen it.")
        closing = changes.get("status") == "closed"
        if closing and before.status == "frozen":
            raise AccountFrozen("This account is frozen: contact the bank to close it.")
        if closing and before.balance != 0:
            raise AccountHasBalance("Move the money out first: only an account with a zero balance can be closed.")
        # A new order share-locks the account, so one created meanwhile is seen here (or waits).
        if closing and await standing_orders.live_from_account(uow, number):
            raise AccountHasStandingOrders("Cancel this account's standing orders first: "
                                           "an active or paused one still pays from it.")
        after = replace(before, **changes)
        await accounts.update(uow, number, {"name": after.name, "country": after.country, "status": after.status})
        if closing:
            await audit.record(uow, owner, "account.close", "account", number,
                               {"status": {"before": before.status, "after": "closed"}}, correlation_id)
        await uow.commit()
    return after


async def balance_history(db: Database, owner_id: UUID, number: str, limit: int) -> BalanceHistory:
    """The caller's account balance after each of its latest movements, oldest first, with the
    balance now, all from one snapshot; AccountNotFound for any other account."""
    async with db.reader() as read:
        history = await accounts.balance_history(read, owner_id, number, limit)
    if history is None:
        raise AccountNotFound("No such account.")
    return history

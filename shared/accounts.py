"""Customer accounts: list, open, read. Only the owner sees an account."""

from uuid import UUID

from shared import account_numbers
from shared.db import Database
from shared.domain import Account
from shared.errors import AccountNotFound
from shared.models import OpenAccountRequest
from shared.repositories import accounts, users


def parse_account_number(text: str) -> str:
    """An account number as people type it; AccountNotFound when it cannot be one."""
    number = account_numbers.normalize(text)
    if not account_numbers.is_valid(number):
        raise AccountNotFound("No such account.")
    return number


async def list_accounts(db: Database, owner_id: UUID) -> list[Account]:
    async with db.reader() as read:
        return await accounts.of_owner(read, owner_id)


async def open_account(db: Database, owner_id: UUID, command: OpenAccountRequest) -> Account:
    async with db.unit_of_work() as uow:
        country = await users.country(uow, owner_id)
        if country is None:
            raise AccountNotFound("No such user.")
        account = await accounts.insert(uow, owner_id, command.name, command.currency, country)
        await uow.commit()
    return account


async def get_account(db: Database, owner_id: UUID, number: str) -> Account:
    """The caller's account; AccountNotFound for any other, so nothing tells that it exists."""
    async with db.reader() as read:
        account = await accounts.owned(read, owner_id, number)
    if account is None:
        raise AccountNotFound("No such account.")
    return account

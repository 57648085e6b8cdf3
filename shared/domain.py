"""What the use cases return: the bank's own records, with money in integer minor units.

The edge (shared/responses.py) turns them into the response bodies of shared/models.py; the use
cases know nothing of HTTP or JSON.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

T = TypeVar("T")


@dataclass(frozen=True)
class User:
    id: UUID
    username: str
    full_name: str
    email: str
    country: str
    role: str
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class Account:
    number: str
    name: str
    currency: str
    country: str
    status: str
    balance: int  # minor units
    created_at: datetime


@dataclass(frozen=True)
class Transfer:
    id: UUID
    from_account: str
    to_account: str
    amount: int  # minor units
    currency: str
    description: str
    kind: str
    created_at: datetime


@dataclass(frozen=True)
class TransferPreview:
    """What a transfer would do, checked as post_transfer checks it, with nothing moved."""

    from_account: str
    to_account: str
    amount: int  # minor units
    currency: str
    recipient_status: str


@dataclass(frozen=True)
class Entry:
    """One leg of a transfer, seen from one of the owner's accounts: negative amounts leave it."""

    transfer_id: UUID
    account: str
    counterparty_account: str
    amount: int  # minor units, signed
    currency: str
    description: str
    kind: str
    created_at: datetime


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class Registration:
    user: User
    account: Account


@dataclass(frozen=True)
class Session:
    """A signed-in browser or client, as the user sees it on the Security page."""

    id: UUID
    user_id: UUID
    purpose: str  # 'full', or 'password_change' after a temporary password
    user_agent: str | None
    created_at: datetime
    last_used_at: datetime
    idle_expires_at: datetime
    expires_at: datetime

    @property
    def password_change_required(self) -> bool:
        return self.purpose != "full"


@dataclass(frozen=True)
class SignIn:
    user: User
    session: Session
    cookie_secret: str  # for the Set-Cookie header only, never logged or stored
    access_token: str
    expires_in: int


@dataclass(frozen=True)
class CurrentSession:
    user: User
    session: Session


@dataclass(frozen=True)
class TemporaryPassword:
    password: str  # shown once to the staff member, never stored or logged
    expires_at: datetime


@dataclass(frozen=True)
class CustomerSummary:
    user: User
    account_count: int
    balances: dict[str, int]  # currency -> minor units


@dataclass(frozen=True)
class CustomerDetail:
    user: User
    accounts: list[Account]


@dataclass(frozen=True)
class AuditRecord:
    id: int
    actor_id: UUID | None
    actor_username: str
    action: str
    target_type: str
    target_id: str
    changes: dict[str, Any]
    correlation_id: str
    created_at: datetime
    target_label: str  # the username for a user id, else target_id (an account number is its own label)

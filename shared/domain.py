"""What the use cases return: the bank's own records, with money in integer minor units.

The edge (shared/responses.py) turns them into the response bodies of shared/models.py; the use
cases know nothing of HTTP or JSON.
"""

from dataclasses import dataclass
from datetime import date, datetime
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
    # Staff, and every customer when the bank requires it, must enrol a second factor first.
    second_factor_required: bool = False


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
    to_own_account: bool = False  # the recipient is the caller's own account (an SCA exemption)
    trusted_payee: bool = False  # paid to a saved payee the caller marked trusted (another)


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
    counterparty_name: str | None = None  # the caller's payee of that account, when they saved one


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
    # When this session last proved a second factor (or a passkey); None after a password alone.
    strongly_authenticated_at: datetime | None = None

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
    second_factor_blocked_until: datetime | None = None  # blocked for a while after wrong answers
    second_factor_locked: bool = False  # blocked until staff unblock it


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


@dataclass(frozen=True)
class DepositApproval:
    """A cash deposit above DEPOSIT_APPROVAL_THRESHOLD, waiting for (or decided by) a second admin."""

    id: UUID
    account: str
    holder: str  # the account holder's full name
    amount: int  # minor units
    currency: str
    description: str
    maker: str  # username of the staff member who took the deposit
    status: str  # 'pending', 'approved' or 'rejected'
    created_at: datetime
    checker: str | None  # username of the admin who decided it
    reason: str | None  # why it was rejected
    transfer_id: UUID | None  # the posting, once approved
    decided_at: datetime | None


@dataclass(frozen=True)
class StandingOrder:
    """A customer's instruction to pay once on a date, or weekly, or monthly on a day
    (shared/schedules.py); next_date is None once no occurrence is left."""

    id: UUID
    owner_id: UUID
    from_account: str
    to_account: str | None
    payee_id: UUID | None  # the saved payee it pays (to_account is then its account), None once deleted
    amount: int  # minor units
    currency: str
    description: str
    frequency: str  # 'once' | 'weekly' | 'monthly'
    first_date: date
    day_of_month: int | None
    end_date: date | None
    max_count: int | None
    status: str  # 'active' | 'paused' | 'cancelled' | 'completed' | 'stopped'
    stopped_reason: str | None  # the post_transfer outcome that stopped it
    next_index: int
    next_date: date | None
    attempts: int  # failed attempts of the occurrence on next_date (insufficient funds)
    retry_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class Execution:
    """One occurrence of a standing order that was attempted, and how it ended (or will be retried)."""

    occurrence_date: date
    status: str  # 'retrying' | 'posted' | 'failed'
    attempts: int
    outcome: str  # post_transfer's word: 'posted', 'insufficient_funds', 'source_frozen', ...
    transfer_id: UUID | None
    next_attempt_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class Payee:
    """An account a customer saved to pay again, under the name they gave it."""

    id: UUID
    name: str
    account: str
    reference: str | None
    trusted: bool
    created_at: datetime
    last_paid_at: datetime | None


@dataclass(frozen=True)
class PayeeVerification:
    """Verification of Payee's answer: holder_name only on a close match (Regulation (EU) 2024/886)."""

    result: str  # match, close_match, no_match, not_possible
    holder_name: str | None = None


@dataclass(frozen=True)
class BalancePoint:
    """One movement of an account and the balance right after it."""

    at: datetime
    amount: int  # minor units, signed: negative when money left
    balance: int


@dataclass(frozen=True)
class BalanceHistory:
    """An account's balance over its latest movements, read in one snapshot with the balance now."""

    account: str
    currency: str
    balance: int
    points: list[BalancePoint]  # oldest first
    complete: bool  # the points reach back to the account's first movement


# --- Statements (issue 16) -----------------------------------------------------------------------

@dataclass(frozen=True)
class StatementLine:
    """One entry of a statement, oldest first, with the balance right after it."""

    transfer_id: UUID
    counterparty_account: str
    amount: int  # minor units, signed: negative left the account
    description: str
    kind: str
    created_at: datetime
    balance: int  # minor units, after this entry


@dataclass(frozen=True)
class Statement:
    account: str
    account_name: str
    holder: str
    currency: str
    first_day: date
    last_day: date
    opening_balance: int
    closing_balance: int
    paid_in: int
    paid_out: int  # positive: the total that left
    lines: list[StatementLine]
    produced_at: datetime


@dataclass(frozen=True)
class ScaChallenge:
    """A challenge of strong authentication, open until answered once or expired."""

    id: UUID
    user_id: UUID | None  # None only for a passkey sign-in, where the assertion names the user
    purpose: str  # 'sign_in', 'passkey_sign_in', 'passkey_registration', 'step_up' or 'payment'
    challenge: bytes  # what a WebAuthn ceremony signs; for a payment derived from its binding
    binding: dict[str, Any] | None  # what a payment challenge is bound to
    attempts: int
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Passkey:
    """A WebAuthn credential a user registered (issue 17): only its public key is kept."""

    id: UUID
    user_id: UUID
    credential_id: bytes
    public_key: bytes  # COSE, as the authenticator gave it
    sign_count: int
    transports: tuple[str, ...]
    name: str
    created_at: datetime
    last_used_at: datetime | None

"""Request and response bodies. Requests refuse unknown fields (nobody sets their own role or
balance); responses describe exactly what the API sends. The OpenAPI document is built from these."""

import unicodedata
from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from shared import account_numbers, money
from shared.passwords import check_password_policy

# Printable text only: control characters (NUL above all) never reach the database.
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"

# What a person cannot see but a screen obeys: controls (Cc), format characters (Cf: zero-width
# spaces and joiners, bidirectional overrides such as U+202E that reverse text on screen, soft
# hyphens, the BOM), surrogates (Cs), private use (Co) and line or paragraph separators (Zl, Zp).
# `Bank administrator\u200b` must not pass for the bank's own name in a transfer description.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
# Joiners shape emoji sequences and Indic and Persian words; they are allowed between two visible
# characters of a word (letters, marks, symbols), never at an edge or beside a space.
_JOINERS = frozenset({"\u200c", "\u200d"})
_JOINABLE = ("L", "M", "S")


def _joins_a_word(value: str, index: int) -> bool:
    if not 0 < index < len(value) - 1:
        return False
    return (unicodedata.category(value[index - 1]).startswith(_JOINABLE)
            and unicodedata.category(value[index + 1]).startswith(_JOINABLE))


def visible_text(value: str) -> str:
    """Returns the text when every character in it shows; raises ValueError naming the first
    invisible or control character (as U+XXXX) otherwise."""
    for index, ch in enumerate(value):
        if unicodedata.category(ch) in _INVISIBLE_CATEGORIES and not (ch in _JOINERS and _joins_a_word(value, index)):
            raise ValueError(f"must not contain invisible or control characters (found U+{ord(ch):04X})")
    return value


def no_lone_surrogates(value: str) -> str:
    """A password may hold any character a keyboard types, but a lone surrogate (JSON allows
    "\\ud800") is no character at all and cannot be encoded to be hashed."""
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError("must not contain unpaired surrogate code points")
    return value


Visible = AfterValidator(visible_text)
_Ordered = TypeVar("_Ordered", date, int)

Username = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.-]{3,32}$"), Visible]
FullName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100,
                                            pattern=_PRINTABLE), Visible]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254,
                                         pattern=r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$"),
                 Visible]
Country = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")]
AccountName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50,
                                               pattern=_PRINTABLE), Visible]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=140, pattern=_PRINTABLE), Visible]
Password = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=_PRINTABLE),
                     AfterValidator(no_lone_surrogates)]
NewPassword = Annotated[Password, AfterValidator(check_password_policy)]
Currency = Literal["EUR", "USD", "GBP", "INR"]
Role = Literal["user", "admin"]
AccountStatus = Literal["active", "frozen", "closed"]
MoneyString = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", examples=["12.50"])]


def _account_number(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    number = account_numbers.normalize(value)
    if not account_numbers.is_valid(number):
        raise ValueError("is not a valid IE Bank account number (check the digits)")
    return number


AccountNumber = Annotated[
    str,
    BeforeValidator(_account_number),
    WithJsonSchema({"type": "string", "pattern": r"^IE[0-9]{2}IEBK[0-9]{14}$",
                    "examples": ["IE16IEBK00000000000001"]}),
]
AmountInput = Annotated[
    int,
    BeforeValidator(money.parse_amount),
    WithJsonSchema({
        "oneOf": [
            {"type": "string", "pattern": r"^[0-9]+(\.[0-9]{1,2})?$"},
            {"type": "number", "exclusiveMinimum": 0, "maximum": 1000000000, "multipleOf": 0.01},
        ],
        "description": "A positive amount with at most 2 decimals, at most 1000000000.00.",
        "examples": ["12.50"],
    }),
]


# What a field must look like, said the way a person reads it: used instead of pydantic's
# "String should match pattern '...'" when a value does not have the right shape.
FIELD_SHAPES = {
    "username": "must be 3 to 32 letters, digits, '.', '_' or '-'",
    "email": "must be an email address like name@example.com",
    "country": "must be a two-letter country code like IE",
    "full_name": "must be 1 to 100 characters, without control characters",
    "name": "must be 1 to 50 characters, without control characters",
    "description": "must be at most 140 characters, without control characters",
    "password": "must not contain control characters",
    "q": "must not contain control characters",
    "action": "must be 1 to 200 characters, without control characters",
    "actor": "must be 1 to 200 characters, without control characters",
    "target": "must be 1 to 200 characters, without control characters",
    "reason": "must be 1 to 200 characters, without control characters",
}


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- requests -------------------------------------------------------------------------------

class RegisterRequest(Request):
    username: Username
    password: NewPassword
    password_confirmation: Password
    full_name: FullName
    email: Email
    country: Country

    @field_validator("password_confirmation")
    @classmethod
    def _confirmation_matches(cls, value: str, info: ValidationInfo) -> str:
        if "password" in info.data and value != info.data["password"]:
            raise ValueError("does not match the password")
        return value


LoginName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254,
                                             pattern=_PRINTABLE), Visible]


class LoginRequest(Request):
    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64,
                                               pattern=_PRINTABLE), Visible]
    password: Password


class _NewPasswordPair(Request):
    new_password: NewPassword
    new_password_confirmation: Password

    @field_validator("new_password_confirmation")
    @classmethod
    def _confirmation_matches(cls, value: str, info: ValidationInfo) -> str:
        if "new_password" in info.data and value != info.data["new_password"]:
            raise ValueError("does not match the new password")
        return value


class ChangePasswordRequest(_NewPasswordPair):
    current_password: Password


class PasswordResetRequest(Request):
    login: LoginName = Field(description="Your username or your email address")


class PasswordResetConfirmRequest(_NewPasswordPair):
    token: Annotated[str, StringConstraints(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]


class OpenAccountRequest(Request):
    name: AccountName
    currency: Currency


def _one_recipient(to_account: str | None, info: ValidationInfo) -> str | None:
    """to_account of a payment that names its recipient by to_account or payee_id: exactly one."""
    if "payee_id" not in info.data:  # payee_id itself is invalid, and said so
        return to_account
    if to_account is None and info.data["payee_id"] is None:
        raise ValueError("name the recipient: to_account or payee_id")
    if to_account is not None and info.data["payee_id"] is not None:
        raise ValueError("send either to_account or payee_id, not both")
    if to_account is not None and to_account == info.data.get("from_account"):
        raise ValueError("must differ from from_account")
    return to_account


class TransferRequest(Request):
    """To an account number (`to_account`) or to one of the caller's payees (`payee_id`): exactly one."""

    from_account: AccountNumber
    payee_id: UUID | None = Field(default=None, description="One of your payees, instead of to_account")
    to_account: AccountNumber | None = Field(default=None, validate_default=True)
    amount: AmountInput
    description: Description = ""

    @field_validator("to_account")
    @classmethod
    def _two_accounts(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _one_recipient(value, info)


class DepositRequest(Request):
    amount: AmountInput
    description: Description = ""


class CreateUserRequest(Request):
    username: Username
    password: NewPassword
    full_name: FullName
    email: Email
    country: Country
    role: Role = "user"


class PartialUpdate(Request):
    """A PATCH body: only the fields sent change; at least one, and none set to null."""

    @model_validator(mode="after")
    def _something_to_change(self) -> "PartialUpdate":
        if not self.model_fields_set:
            raise ValueError("name at least one field to change")
        for field in self.model_fields_set:
            if getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self


class UpdateUserRequest(PartialUpdate):
    full_name: FullName | None = None
    email: Email | None = None
    country: Country | None = None
    role: Role | None = None
    active: StrictBool | None = None


class UpdateProfileRequest(PartialUpdate):
    """What customers change about themselves (role and active flag are the bank's)."""

    full_name: FullName | None = None
    email: Email | None = None
    country: Country | None = None


class UpdateAccountRequest(PartialUpdate):
    name: AccountName | None = None
    country: Country | None = None
    status: AccountStatus | None = None


class UpdateOwnAccountRequest(PartialUpdate):
    """What customers change about their own account: its name, and closing it. Freezing and
    reopening are the bank's."""

    name: AccountName | None = None
    status: Literal["closed"] | None = None


Frequency = Literal["once", "weekly", "monthly"]


class StandingOrderRequest(Request):
    """Pay `amount` once on `first_date`, or from it weekly, or monthly on `day_of_month` (the
    first date's day unless given; the last day of shorter months), until `end_date` or `count`
    payments if one is given. Dates are the bank's (Europe/Dublin)."""

    from_account: AccountNumber
    payee_id: UUID | None = Field(default=None, description="One of your payees, instead of to_account: each "
                                                            "payment goes to the payee's account")
    to_account: AccountNumber | None = Field(default=None, validate_default=True)
    amount: AmountInput
    description: Description = ""
    first_date: date = Field(description="Today or later, in the bank's time zone (Europe/Dublin)")
    frequency: Frequency = "once"
    day_of_month: Annotated[int, Field(ge=1, le=31)] | None = None
    end_date: date | None = Field(default=None, description="The last day a payment may fall on (inclusive)")
    count: Annotated[int, Field(ge=1, le=1000)] | None = Field(default=None, description="How many payments in all")

    @field_validator("to_account")
    @classmethod
    def _two_accounts(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _one_recipient(value, info)

    @field_validator("day_of_month")
    @classmethod
    def _monthly_only(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("frequency") != "monthly":
            raise ValueError("is only for a monthly order")
        return value

    @field_validator("end_date")
    @classmethod
    def _ends_after_it_starts(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None and info.data.get("frequency") == "once":
            raise ValueError("is only for a weekly or monthly order (a single payment has its first_date)")
        start = info.data.get("first_date")
        if value is not None and start is not None and value < start:
            raise ValueError("must not be before first_date")
        return value

    @field_validator("count")
    @classmethod
    def _count_or_end(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("frequency") == "once":
            raise ValueError("is only for a weekly or monthly order")
        if value is not None and info.data.get("end_date") is not None:
            raise ValueError("give an end_date or a count, not both")
        return value


class UpdateStandingOrderRequest(Request):
    """Pause (`paused`), resume (`active`) or cancel (`cancelled`, for good) an order."""

    status: Literal["active", "paused", "cancelled"]


def _calendar_date(value: object) -> object:
    """A day written YYYY-MM-DD, nothing else (pydantic alone would take a number of seconds)."""
    if not isinstance(value, str) or len(value) != 10 or not value.isascii() or value[4] != "-" or value[7] != "-":
        raise ValueError("must be a date written YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a real date written YYYY-MM-DD") from None
    if not _FIRST_DAY <= day <= _LAST_DAY:
        raise ValueError(f"must be between {_FIRST_DAY} and {_LAST_DAY}")
    return day


_FIRST_DAY, _LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)
# A calendar day in Europe/Dublin (the bank's days: shared/periods.py turns them into instants).
DublinDate = Annotated[date, BeforeValidator(_calendar_date),
                       WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-12-01"],
                                       "description": "A day in Europe/Dublin, YYYY-MM-DD."})]


def _not_before(value: _Ordered | None, start: _Ordered | None, start_name: str) -> _Ordered | None:
    if value is not None and start is not None and value < start:
        raise ValueError(f"must not be before {start_name}")
    return value


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = None


def _counterparty(value: object) -> str | UUID:
    """A payee id (UUID text) or an account number."""
    if isinstance(value, str):
        try:
            return UUID(value.strip())
        except ValueError:
            pass
    return _account_number(value)


# History's counterparty: an account number, or the id of one of the caller's payees (its account).
Counterparty = Annotated[
    str | UUID,
    BeforeValidator(_counterparty),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^IE[0-9]{2}IEBK[0-9]{14}$"},
                              {"type": "string", "format": "uuid"}],
                    "examples": ["IE16IEBK00000000000001"]}),
]


class HistoryQuery(PageQuery):
    """History filters, all optional and combined (shared/repositories/history_filters.py says
    what each means). Unlike the other lists, an unknown parameter is refused: a misspelt filter must not
    quietly show every entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    account: AccountNumber | None = None
    from_: Annotated[DublinDate | None, Field(alias="from")] = None
    to: DublinDate | None = None
    min_amount: AmountInput | None = None
    max_amount: AmountInput | None = None
    direction: Literal["in", "out"] | None = None
    counterparty: Counterparty | None = None
    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100,
                                        pattern=_PRINTABLE), Visible] | None = None

    @field_validator("to")
    @classmethod
    def _to_after_from(cls, value: date | None, info: ValidationInfo) -> date | None:
        return _not_before(value, info.data.get("from_"), "from")

    @field_validator("max_amount")
    @classmethod
    def _max_above_min(cls, value: int | None, info: ValidationInfo) -> int | None:
        return _not_before(value, info.data.get("min_amount"), "min_amount")

    @field_validator("q")
    @classmethod
    def _q_has_a_word(cls, value: str | None) -> str | None:
        if value is not None and not any(character.isalnum() for character in value):
            raise ValueError("must contain a letter or a digit")  # words are what is searched
        return value


class UserSearchQuery(PageQuery):
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100, pattern=_PRINTABLE),
                 Visible] | None = None


_AuditText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200,
                                              pattern=_PRINTABLE), Visible]


class AuditFilters(BaseModel):
    """Filters of the audit trail, all optional and combined: an exact action (`user.update`), the
    actor's username (any letter case), the target's id (a user id, an account number, a
    lower-cased username), and a time range with its zone (`2026-12-02T09:00:00Z`). The CSV
    export takes them alone; the list pages them."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)
    action: _AuditText | None = None
    actor: _AuditText | None = None
    target: _AuditText | None = None
    from_: Annotated[AwareDatetime | None, Field(alias="from")] = None
    to: AwareDatetime | None = None

    @field_validator("to")
    @classmethod
    def _after_from(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("from_")
        if value is not None and start is not None and value < start:
            raise ValueError("must not be before from")
        return value


# A payee's name: as FullName, refused by Visible (which says which character) rather than by a
# pattern, whose message for the field `name` would be an account name's (FIELD_SHAPES).
PayeeName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), Visible]


class PayeeRequest(Request):
    name: PayeeName = Field(description="The holder's name as you know it (checked by POST /api/payees/verify)")
    account: AccountNumber
    reference: Description | None = Field(default=None, description="A payment reference to suggest when paying")
    trusted: StrictBool = False


class UpdatePayeeRequest(PartialUpdate):
    """The account is not changed: a new number is a new payee, verified again. An empty
    reference clears it."""

    name: PayeeName | None = None
    reference: Description | None = None
    trusted: StrictBool | None = None


class VerifyPayeeRequest(Request):
    name: PayeeName
    account: AccountNumber


class AuditQuery(PageQuery, AuditFilters):
    """A page of the audit trail, filtered as AuditFilters says."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


# ---- responses ------------------------------------------------------------------------------

class UserOut(BaseModel):
    id: UUID
    username: str
    full_name: str
    email: str
    country: str
    role: Role
    active: bool
    created_at: datetime


class AccountOut(BaseModel):
    number: str
    name: str
    currency: Currency
    country: str
    status: AccountStatus
    balance: MoneyString
    created_at: datetime


class AccountList(BaseModel):
    items: list[AccountOut]


class RegisterOut(BaseModel):
    user: UserOut
    account: AccountOut


class SessionOut(BaseModel):
    id: UUID
    created_at: AwareDatetime
    expires_at: AwareDatetime = Field(description="The absolute end (SESSION_MAX_SECONDS after sign-in)")
    idle_expires_at: AwareDatetime = Field(description="The end if nothing happens before it; every call moves it")
    idle_seconds: int = Field(description="How long the session lasts without activity from this answer on "
                                          "(SESSION_IDLE_SECONDS): a browser counts it on its own clock")


class LoginOut(BaseModel):
    """The session cookie comes with it (Set-Cookie); the token is for clients that are not browsers."""

    status: Literal["signed_in"] = "signed_in"
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int
    user: UserOut
    session: SessionOut
    password_change_required: bool
    factor_enrolment_required: bool = Field(
        description="A second factor must be set up (Security page) before any other route answers")


class FactorRequiredOut(BaseModel):
    """The password was right and the user holds a second factor: no session yet. Answer the
    challenge with POST /api/auth/login/factor."""

    status: Literal["factor_required"] = "factor_required"
    challenge_id: UUID
    methods: list[Literal["passkey", "totp", "recovery_code"]]
    passkey_options: dict[str, object] | None = Field(
        default=None, description="PublicKeyCredentialRequestOptions as JSON, when a passkey may answer")


class LoginAnswer(RootModel[Annotated[LoginOut | FactorRequiredOut, Field(discriminator="status")]]):
    """A session (status signed_in), or the second step it waits for (status factor_required)."""


class CurrentSessionOut(BaseModel):
    user: UserOut
    session: SessionOut
    password_change_required: bool
    factor_enrolment_required: bool


class AccessTokenOut(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int


class SessionSummaryOut(BaseModel):
    id: UUID
    created_at: AwareDatetime
    last_used_at: AwareDatetime
    user_agent: str | None
    current: bool = Field(description="The session this request came with")


class SessionList(BaseModel):
    items: list[SessionSummaryOut]


class RevokedSessionsOut(BaseModel):
    revoked: int


class TemporaryPasswordOut(BaseModel):
    temporary_password: str = Field(description="Shown this once: give it to the customer in person")
    expires_at: AwareDatetime


class TransferOut(BaseModel):
    id: UUID
    from_account: str
    to_account: str
    amount: MoneyString
    currency: Currency
    description: str
    kind: Literal["transfer", "deposit"]
    created_at: datetime


class TransferPreviewOut(BaseModel):
    from_account: str
    to_account: str
    amount: MoneyString
    currency: Currency
    recipient_status: AccountStatus = Field(
        description="The recipient account's status as the sender may know it: a preview that answers 200 "
                    "found it able to receive money.")


class EntryOut(BaseModel):
    id: UUID = Field(description="The transfer this entry belongs to.")
    account: str
    counterparty_account: str
    counterparty_name: str | None = Field(description="Your payee's name for the counterparty "
                                                                    "account, when you saved it as a payee")
    direction: Literal["debit", "credit"]
    amount: MoneyString
    currency: Currency
    description: str
    kind: Literal["transfer", "deposit"]
    created_at: datetime


class EntryPage(BaseModel):
    items: list[EntryOut]
    next_cursor: str | None


class CurrencyBalance(BaseModel):
    currency: Currency
    balance: MoneyString


class ManagedUserSummary(UserOut):
    account_count: int
    balances: list[CurrencyBalance]


class UserPage(BaseModel):
    items: list[ManagedUserSummary]
    next_cursor: str | None


class ManagedUserDetail(UserOut):
    accounts: list[AccountOut]
    # Wrong second-factor answers: blocked until then (null when not now), or locked until staff
    # unblock it with POST /api/manage/users/{id}/unlock.
    second_factor_blocked_until: datetime | None
    second_factor_locked: bool


class AuditRecordOut(BaseModel):
    id: int
    actor_id: UUID | None
    actor_username: str
    action: str
    target_type: str
    target_id: str
    # What a person reads for the target: the username for a user id, the account number for an
    # account, the id itself otherwise.
    target_label: str
    changes: dict[str, object]
    correlation_id: str
    created_at: datetime


class AuditPage(BaseModel):
    items: list[AuditRecordOut]
    next_cursor: str | None


StandingOrderStatus = Literal["active", "paused", "cancelled", "completed", "stopped"]


class StandingOrderOut(BaseModel):
    id: UUID
    from_account: str
    to_account: str | None
    payee_id: UUID | None = Field(description="The saved payee it pays, if it was set up to one (to_account is "
                                              "then that payee's account); None after the payee was deleted")
    amount: MoneyString
    currency: Currency
    description: str
    frequency: Frequency
    first_date: date
    day_of_month: int | None
    end_date: date | None
    count: int | None
    status: StandingOrderStatus = Field(
        description="completed: no payment left; stopped: the bank stopped it (see stopped_reason)")
    stopped_reason: str | None = Field(description="Why it stopped: source-frozen, source-closed, recipient-closed, "
                                                   "recipient-frozen, caller-inactive (the owner deactivated), ...")
    next_date: date | None = Field(description="The next payment's date (Europe/Dublin), None when none is left")
    created_at: datetime


class StandingOrderList(BaseModel):
    items: list[StandingOrderOut]


class ExecutionOut(BaseModel):
    occurrence_date: date
    status: Literal["retrying", "posted", "failed"] = Field(
        description="retrying: refused for insufficient funds, tried again later the same day")
    attempts: int
    outcome: str = Field(description="posted, or why it was refused: insufficient-funds, source-frozen, "
                                     "recipient-closed, ...")
    transfer_id: UUID | None
    next_attempt_at: datetime | None
    updated_at: datetime


class ExecutionList(BaseModel):
    items: list[ExecutionOut]


class HealthOut(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unavailable"]


class ReadinessCheck(BaseModel):
    status: Literal["ok", "unavailable"]
    latency_ms: float


class ReadinessOut(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, ReadinessCheck]


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    correlation_id: str
    errors: list[FieldError] | None = None


# ---- deposit approvals (dual control, issue 16) ----------------------------------------------

ApprovalStatus = Literal["pending", "approved", "rejected"]


class ApprovalQuery(PageQuery):
    """The staff list of deposits above the threshold: pending first, then decided, newest first."""

    status: ApprovalStatus | None = None


class RejectApprovalRequest(Request):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200,
                                             pattern=_PRINTABLE), Visible]


class DepositApprovalOut(BaseModel):
    """A deposit waiting for a second admin (202 from the deposit route), or decided by one."""

    id: UUID
    status: ApprovalStatus
    account: str
    holder: str
    amount: MoneyString
    currency: Currency
    description: str
    maker: str
    created_at: datetime
    checker: str | None
    decided_at: datetime | None
    reason: str | None
    transfer_id: UUID | None


class DepositApprovalPage(BaseModel):
    items: list[DepositApprovalOut]
    next_cursor: str | None


class PayeeOut(BaseModel):
    id: UUID
    name: str
    account: str
    reference: str | None
    trusted: bool
    created_at: AwareDatetime
    last_paid_at: AwareDatetime | None = Field(description="When a transfer to this payee last posted")


class PayeeList(BaseModel):
    items: list[PayeeOut]


class PayeeVerificationOut(BaseModel):
    result: Literal["match", "close_match", "no_match", "not_possible"] = Field(
        description="match: the name is the holder's; close_match: nearly (the holder's name is given); "
                    "no_match: it is not (you may still pay, at your own risk); not_possible: no account "
                    "with that number can be checked or receive money")
    name: str | None = Field(default=None, exclude_if=lambda value: value is None,
                             description="The holder's name as the bank knows it: only on a close match")


class BalanceHistoryQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    limit: Annotated[int, Field(ge=1, le=200, description="How many of the latest movements")] = 100


class BalancePointOut(BaseModel):
    at: datetime
    amount: MoneyString = Field(description="The movement: negative when money left the account.")
    balance: MoneyString = Field(description="The balance right after it.")


class BalanceHistoryOut(BaseModel):
    account: str
    currency: Currency
    balance: MoneyString = Field(description="The balance now, read with the points.")
    points: list[BalancePointOut] = Field(description="The latest movements, oldest first.")
    complete: bool = Field(description="The points reach back to the account's first movement "
                                       "(the balance before them was 0.00).")


# --- Statements (issue 16) -----------------------------------------------------------------------

STATEMENT_MAX_DAYS = 366


class StatementQuery(BaseModel):
    """A statement's period, both days included (Europe/Dublin), and its file format."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    from_: Annotated[DublinDate, Field(alias="from")]
    to: DublinDate
    format: Literal["csv", "pdf"] = "csv"

    @field_validator("to")
    @classmethod
    def _a_period(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("from_")
        _not_before(value, start, "from")
        if start is not None and (value - start).days + 1 > STATEMENT_MAX_DAYS:
            raise ValueError(f"must make a period of at most {STATEMENT_MAX_DAYS} days (both days counted)")
        return value


# --- Passkeys (issue 17) -------------------------------------------------------------------------

PasskeyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), Visible]
# A WebAuthn credential as the browser's PublicKeyCredential.toJSON() gives it (base64url fields);
# py_webauthn parses and checks it.
WebAuthnCredential = Annotated[dict[str, Any], Field(description="The PublicKeyCredential as JSON (toJSON())")]


class AddPasskeyRequest(Request):
    challenge_id: UUID
    name: PasskeyName = Field(description="What you call it (the phone or key it lives on)")
    credential: WebAuthnCredential


class RenamePasskeyRequest(Request):
    name: PasskeyName


class PasskeySignInRequest(Request):
    challenge_id: UUID
    credential: WebAuthnCredential


class PasskeyOptionsOut(BaseModel):
    challenge_id: UUID
    passkey_options: dict[str, Any] = Field(description="PublicKeyCredentialCreationOptions or "
                                                        "PublicKeyCredentialRequestOptions as JSON")


class PasskeyOut(BaseModel):
    id: UUID
    name: str
    created_at: AwareDatetime
    last_used_at: AwareDatetime | None = Field(description="When it last signed in or confirmed something")


class PasskeyList(BaseModel):
    items: list[PasskeyOut]
# Second factors (issue 17): the authenticator app, recovery codes, the step-up.
class TotpEnrolmentOut(BaseModel):
    otpauth_uri: str = Field(description="Shown this once: the secret, for the app (or typed in)")
    qr_svg: str = Field(description="The otpauth URI as a QR code (SVG); render it as an image, never as markup")


class TotpConfirmRequest(Request):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=6, max_length=8)]


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str] = Field(description="Shown this once; each works once")


class FactorsOut(BaseModel):
    totp: bool
    recovery_codes_left: int
    passkeys: int
    methods: list[str]
    second_factor_required: bool


class FactorChallengeOut(BaseModel):
    challenge_id: UUID
    methods: list[str]
    passkey_options: dict[str, object] | None = None


class FactorAnswerRequest(Request):
    challenge_id: UUID
    method: Literal["totp", "recovery_code", "passkey"]
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=6, max_length=32)] | None = None
    credential: dict[str, object] | None = None

    @property
    def proof(self) -> object:
        return self.credential if self.method == "passkey" else self.code


# --- Payment SCA (issue 17): a transfer waiting for its second factor ------------------------------

class PaymentPayeeOut(BaseModel):
    account: str
    name: str | None = Field(description="The saved payee's name; null for an account number typed in")


class PendingPaymentOut(BaseModel):
    """A transfer waiting for a second factor (202 from POST /api/transfers): nothing has moved.
    Confirm it with POST /api/transfers/confirm; what it is bound to is shown to the customer."""

    status: Literal["authentication_required"] = "authentication_required"
    challenge_id: UUID
    amount: MoneyString
    currency: Currency
    from_account: str
    payee: PaymentPayeeOut
    methods: list[str]
    passkey_options: dict[str, Any] | None = Field(
        default=None, description="PublicKeyCredentialRequestOptions as JSON, over the payment's own challenge")
    expires_at: AwareDatetime

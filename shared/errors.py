"""Named failures, raised where the rule lives. shared/problems.py maps them to HTTP, in one place."""


class BankError(Exception):
    """Base of every failure a client is told about. The message is safe to show."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail


class ValidationFailed(BankError):
    def __init__(self, errors: list[tuple[str, str]], detail: str = "The request is not valid.") -> None:
        super().__init__(detail)
        self.errors = errors


class MalformedJson(BankError):
    pass


class UnsupportedMediaType(BankError):
    pass


class PayloadTooLarge(BankError):
    pass


class NotAuthenticated(BankError):
    pass


class Forbidden(BankError):
    pass


class NotFound(BankError):
    pass


class CsrfHeaderMissing(BankError):
    """A cookie-authenticated request without X-Requested-With: iebank (a cross-site form cannot send it)."""


class PasswordChangeRequired(BankError):
    """Signed in with a temporary password: only the password change answers until it is done."""


class StrongAuthenticationRequired(BankError):
    """The step needs a recent strong authentication of this session (a factor change, say)."""


class SecondFactorRejected(BankError):
    """A second factor's answer was not accepted (which part was wrong is never said, PSD2 RTS Art. 4(3))."""


class InvalidCredentials(BankError):
    pass


class TemporaryPasswordExpired(BankError):
    pass


class ResetLinkInvalid(BankError):
    pass


class SignInDisabled(BankError):
    pass


class TooManyLoginAttempts(BankError):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("Too many failed sign-in attempts. Try again later.")
        self.retry_after_seconds = retry_after_seconds


class TooManyRequests(BankError):
    """Too many anonymous attempts (sign-in, registration, reset) from one client address."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("Too many requests from your network. Try again in a minute.")
        self.retry_after_seconds = retry_after_seconds


class Conflict(BankError):
    """A refusal that can name the fields it is about (shown at each field by the SPA)."""

    def __init__(self, detail: str = "", errors: list[tuple[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or []


class UsernameTaken(Conflict):
    pass


class EmailTaken(Conflict):
    pass


class UserNotFound(BankError):
    pass


class AccountNotFound(BankError):
    pass


class RecipientNotFound(BankError):
    pass


class InsufficientFunds(BankError):
    pass


class AccountFrozen(BankError):
    pass


class AccountClosed(BankError):
    pass


class CurrencyMismatch(BankError):
    pass


class IdempotencyKeyReused(BankError):
    pass


class IdempotencyKeyInProgress(BankError):
    pass


class IdempotencyKeyRequired(BankError):
    pass


class AccountHasBalance(BankError):
    pass


class AccountHasStandingOrders(BankError):
    """The account still pays a standing order that is active or paused."""


class StandingOrderNotFound(BankError):
    pass


class StandingOrderEnded(BankError):
    """The order was cancelled, completed or stopped: nothing can restart it."""


class LastAdmin(BankError):
    pass


class SelfModification(BankError):
    pass


class PayeeNotFound(BankError):
    pass


class PayeeExists(Conflict):
    pass


class TooManyVerifications(TooManyRequests):
    """Too many Verification of Payee checks by one customer: names are not to be harvested."""

    def __init__(self, retry_after_seconds: int) -> None:
        BankError.__init__(self, "Too many name checks. Try again later.")
        self.retry_after_seconds = retry_after_seconds


class ServiceUnavailable(BankError):
    """A dependency (the database) is down or saturated; the client should retry later."""

    def __init__(self, detail: str = "The service is temporarily unavailable. Try again shortly.",
                 retry_after_seconds: int = 2) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class DuplicateKey(Exception):
    """A unique constraint refused a row; services turn it into the failure it means."""

    def __init__(self, constraint: str) -> None:
        super().__init__(constraint)
        self.constraint = constraint


class ConfigurationError(RuntimeError):
    """The configuration is missing something or unsafe; the message names the variable, never its value."""


class PasswordWorkBusy(ServiceUnavailable):
    """Every password-hashing slot of this worker is taken: refused at once instead of queued."""

    def __init__(self) -> None:
        super().__init__("We are busy checking other passwords. Try again in a second.", retry_after_seconds=1)


class OwnAccountDeposit(BankError):
    """Staff taking (or deciding) a deposit into an account they own themselves."""


class ApprovalByMaker(BankError):
    """The admin who took a deposit deciding it too: a second admin must."""


class ApprovalNotFound(BankError):
    pass


class ApprovalNotPending(BankError):
    """The deposit was approved or rejected already."""


class AccountLimitReached(BankError):
    """A customer at MAX_ACCOUNTS_PER_CUSTOMER open accounts opening (or reopening) one more."""


class PasskeyNotFound(BankError):
    pass


class PasskeySignInFailed(BankError):
    """A passkey sign-in not accepted: which part was wrong (challenge, credential, signature,
    counter) is never said."""


LOCK_WARNING = "If it is blocked once more, it stays blocked until you call us."


class FactorBlocked(BankError):
    """Too many wrong second-factor answers in a row: the user's factors are blocked for a while.
    `last_before_lock`: the next block locks them (the user is told before, Art. 4(3)(b))."""

    def __init__(self, retry_after_seconds: int, *, last_before_lock: bool = False) -> None:
        minutes = max(1, -(-retry_after_seconds // 60))
        super().__init__(f"Too many wrong attempts: your second factor is blocked for {minutes} minutes. "
                         "Try again later, or call us if it was not you."
                         + (f" {LOCK_WARNING}" if last_before_lock else ""))
        self.retry_after_seconds = retry_after_seconds


class FactorLocked(BankError):
    """Blocked FACTOR_MAX_BLOCKS times in a row: the user's factors stay blocked until the bank
    unblocks them (staff: POST /api/manage/users/{id}/unlock, after checking who is calling)."""

    def __init__(self) -> None:
        super().__init__("Your second factor is blocked after too many wrong attempts. Call us (see the page "
                         "footer) to unblock it once we have checked it is you.")


class FactorEnrolmentRequired(BankError):
    """A user who must hold a second factor has none yet: only enrolling it answers."""


class FactorExists(Conflict):
    pass


class LastSecondFactor(Conflict):
    """A staff member removing their last second factor: staff must keep one."""


class NoSecondFactor(Conflict):
    """Recovery codes asked for by a user with no second factor they would stand in for."""

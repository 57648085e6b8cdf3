"""The one place where failures become HTTP: application/problem+json (RFC 9457)."""

import json
from dataclasses import dataclass

from shared import errors

PROBLEM_BASE = "https://iebank.example/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


@dataclass(frozen=True)
class ProblemKind:
    status: int
    slug: str
    title: str


PROBLEMS: dict[type[errors.BankError], ProblemKind] = {
    errors.ValidationFailed: ProblemKind(422, "validation-error", "Your request is not valid"),
    errors.MalformedJson: ProblemKind(400, "malformed-json", "The body is not valid JSON"),
    errors.UnsupportedMediaType: ProblemKind(415, "unsupported-media-type", "Send JSON (application/json)"),
    errors.PayloadTooLarge: ProblemKind(413, "payload-too-large", "The body is too large"),
    errors.NotAuthenticated: ProblemKind(401, "unauthorized", "Sign in first"),
    errors.InvalidCredentials: ProblemKind(401, "invalid-credentials", "Wrong username or password"),
    errors.Forbidden: ProblemKind(403, "forbidden", "You may not do this"),
    errors.CsrfHeaderMissing: ProblemKind(403, "csrf-header-missing", "Send X-Requested-With: iebank"),
    errors.PasswordChangeRequired: ProblemKind(403, "password-change-required", "Choose a new password first"),
    errors.StrongAuthenticationRequired: ProblemKind(403, "sca-required", "Confirm it is you first"),
    errors.TemporaryPasswordExpired: ProblemKind(401, "temporary-password-expired",
                                                 "Your temporary password has expired"),
    errors.ResetLinkInvalid: ProblemKind(400, "reset-link-invalid", "This password-reset link is not valid"),
    errors.SignInDisabled: ProblemKind(403, "sign-in-disabled", "Your sign-in is disabled"),
    errors.NotFound: ProblemKind(404, "not-found", "Not found"),
    errors.UserNotFound: ProblemKind(404, "not-found", "User not found"),
    errors.AccountNotFound: ProblemKind(404, "account-not-found", "Account not found"),
    errors.RecipientNotFound: ProblemKind(404, "recipient-not-found", "Recipient account not found"),
    errors.TooManyLoginAttempts: ProblemKind(429, "too-many-login-attempts", "Too many sign-in attempts"),
    errors.TooManyRequests: ProblemKind(429, "too-many-requests", "Too many requests from your network"),
    errors.UsernameTaken: ProblemKind(409, "username-taken", "That username is taken"),
    errors.EmailTaken: ProblemKind(409, "email-taken", "That email address is already registered"),
    errors.InsufficientFunds: ProblemKind(409, "insufficient-funds", "Insufficient funds"),
    errors.AccountFrozen: ProblemKind(409, "account-frozen", "The account is frozen"),
    errors.AccountClosed: ProblemKind(409, "account-closed", "The account is closed"),
    errors.CurrencyMismatch: ProblemKind(422, "currency-mismatch", "The accounts hold different currencies"),
    errors.IdempotencyKeyReused: ProblemKind(422, "idempotency-key-reused",
                                             "This Idempotency-Key was used for a different request"),
    errors.IdempotencyKeyRequired: ProblemKind(428, "idempotency-key-required",
                                               "Send an Idempotency-Key with this request"),
    errors.IdempotencyKeyInProgress: ProblemKind(409, "idempotency-key-in-progress",
                                                 "A request with this Idempotency-Key is still in progress"),
    errors.AccountHasBalance: ProblemKind(409, "account-has-balance", "The account still holds money"),
    errors.AccountHasStandingOrders: ProblemKind(409, "account-has-standing-orders",
                                                 "The account still pays standing orders"),
    errors.StandingOrderNotFound: ProblemKind(404, "standing-order-not-found", "Standing order not found"),
    errors.StandingOrderEnded: ProblemKind(409, "standing-order-ended", "The standing order has ended"),
    errors.LastAdmin: ProblemKind(409, "last-admin", "The bank must keep an active admin"),
    errors.SelfModification: ProblemKind(409, "self-modification", "You cannot do this to your own user"),
    errors.PayeeNotFound: ProblemKind(404, "payee-not-found", "Payee not found"),
    errors.PayeeExists: ProblemKind(409, "payee-exists", "That account is saved as a payee already"),
    errors.TooManyVerifications: ProblemKind(429, "too-many-requests", "Too many name checks"),
    errors.ServiceUnavailable: ProblemKind(503, "service-unavailable", "Service temporarily unavailable"),
    errors.OwnAccountDeposit: ProblemKind(403, "own-account-deposit",
                                          "Staff cannot deposit into, or decide deposits into, their own accounts"),
    errors.ApprovalByMaker: ProblemKind(403, "approval-by-maker", "Another admin must decide this deposit"),
    errors.ApprovalNotFound: ProblemKind(404, "approval-not-found", "Approval not found"),
    errors.ApprovalNotPending: ProblemKind(409, "approval-not-pending", "This deposit has been decided already"),
    errors.AccountLimitReached: ProblemKind(409, "account-limit-reached", "You have the most open accounts allowed"),
    errors.PasskeyNotFound: ProblemKind(404, "passkey-not-found", "Passkey not found"),
    errors.PasskeySignInFailed: ProblemKind(401, "passkey-not-accepted", "The passkey was not accepted"),
    errors.SecondFactorRejected: ProblemKind(401, "second-factor-rejected", "That did not work"),
    errors.FactorBlocked: ProblemKind(429, "factor-blocked", "Your second factor is blocked for a while"),
    errors.FactorLocked: ProblemKind(403, "factor-locked", "Your second factor is blocked until you call us"),
    errors.FactorEnrolmentRequired: ProblemKind(403, "factor-enrolment-required", "Set up a second factor first"),
    errors.FactorExists: ProblemKind(409, "factor-exists", "You have set this up already"),
    errors.LastSecondFactor: ProblemKind(409, "last-second-factor", "Staff must keep a second factor"),
    errors.NoSecondFactor: ProblemKind(409, "no-second-factor", "Set up a second factor first"),
}

INTERNAL_ERROR = ProblemKind(500, "internal-error", "Something went wrong on our side")
METHOD_NOT_ALLOWED = ProblemKind(405, "method-not-allowed", "Method not allowed")


def problem_kind(error: errors.BankError) -> ProblemKind:
    for cls in type(error).__mro__:
        if cls in PROBLEMS:
            return PROBLEMS[cls]
    return INTERNAL_ERROR


def problem_body(kind: ProblemKind, detail: str, correlation_id: str,
                 field_errors: list[tuple[str, str]] | None = None) -> bytes:
    body: dict[str, object] = {
        "type": PROBLEM_BASE + kind.slug,
        "title": kind.title,
        "status": kind.status,
        "detail": detail or kind.title,
        "correlation_id": correlation_id,
    }
    if field_errors:
        body["errors"] = [{"field": field, "message": message} for field, message in field_errors]
    return json.dumps(body).encode()


def retry_after(error: errors.BankError) -> int | None:
    return getattr(error, "retry_after_seconds", None)

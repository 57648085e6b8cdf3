"""The rule every factor change shares: it needs a recent proof that it is the holder (PSD2 SCA).

A user who holds a second factor proves it again (a step-up sets the session's
strongly_authenticated_at); a user enrolling their first factor has nothing to prove it with, so
the sign-in itself must be recent.
"""

from datetime import datetime, timedelta

from shared.domain import Session, User
from shared.errors import FactorEnrolmentRequired, StrongAuthenticationRequired


def is_fresh(session: Session, *, has_factor: bool, now: datetime, fresh_seconds: int) -> bool:
    proved_at = session.strongly_authenticated_at if has_factor else session.created_at
    return proved_at is not None and proved_at >= now - timedelta(seconds=fresh_seconds)


def require_fresh(session: Session, *, has_factor: bool, now: datetime, fresh_seconds: int) -> None:
    if not is_fresh(session, has_factor=has_factor, now=now, fresh_seconds=fresh_seconds):
        raise StrongAuthenticationRequired(
            "Confirm it is you with your second factor first." if has_factor
            else "Sign in again first: adding a first factor needs a recent sign-in.")


def must_hold_factor(user: User, *, enforced: bool, customers_required: bool) -> bool:
    """Staff always, customers when the bank requires it (SCA_REQUIRED_FOR_CUSTOMERS); nobody when SCA is off."""
    return enforced and (user.role == "admin" or user.second_factor_required or customers_required)


def enrolment_pending(user: User, session: Session, *, enforced: bool, customers_required: bool) -> bool:
    """A user who must hold a second factor, in a session no factor has proved: one who signed in
    with a password alone because they hold none yet. Confirming a first factor proves the
    session, so the gate opens without signing in again."""
    return (must_hold_factor(user, enforced=enforced, customers_required=customers_required)
            and session.strongly_authenticated_at is None)


def refuse_until_enrolled(user: User, session: Session, *, enforced: bool, customers_required: bool) -> None:
    if enrolment_pending(user, session, enforced=enforced, customers_required=customers_required):
        raise FactorEnrolmentRequired(
            ("Bank staff must set up a second factor" if user.role == "admin"
             else "The bank asks every customer to set up a second factor")
            + " (a passkey or an authenticator app) on the Security page before going on.")

"""The rule every factor change shares: it needs a recent proof that it is the holder (PSD2 SCA).

A user who holds a second factor proves it again (a step-up sets the session's
strongly_authenticated_at); a user enrolling their first factor has nothing to prove it with, so
the sign-in itself must be recent.
"""

from datetime import datetime, timedelta

from shared.domain import Session
from shared.errors import StrongAuthenticationRequired


def is_fresh(session: Session, *, has_factor: bool, now: datetime, fresh_seconds: int) -> bool:
    proved_at = session.strongly_authenticated_at if has_factor else session.created_at
    return proved_at is not None and proved_at >= now - timedelta(seconds=fresh_seconds)


def require_fresh(session: Session, *, has_factor: bool, now: datetime, fresh_seconds: int) -> None:
    if not is_fresh(session, has_factor=has_factor, now=now, fresh_seconds=fresh_seconds):
        raise StrongAuthenticationRequired(
            "Confirm it is you with your second factor first." if has_factor
            else "Sign in again first: adding a first factor needs a recent sign-in.")

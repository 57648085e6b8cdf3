"""Second factors held by a test user, set up through the app's own repositories (below HTTP), for
integration tests of what a factor changes (payments asking for SCA)."""

import pyotp

from shared import totp
from shared.auth import Principal
from shared.repositories import factors
from shared.settings import totp_key


def holding_totp(run, runtime, user: Principal) -> pyotp.TOTP:
    """A confirmed authenticator app for the user, its first code unused: the confirmation is
    recorded at time step 0, so the current code (and the next step's) is each accepted once."""
    secret = pyotp.random_base32()
    key = totp_key(runtime.settings)

    async def enrol() -> None:
        async with runtime.db.unit_of_work() as uow:
            await factors.put_pending_totp(uow, user.id, totp.encrypt_secret(key, user.id, secret))
            assert await factors.accept_time_step(uow, user.id, 0, confirm=True)
            await uow.commit()

    run(enrol())
    return pyotp.TOTP(secret)


def strongly_authenticated(database_url: str, username: str) -> None:
    """Marks the user's live sessions strongly authenticated, as a sign-in with a second factor or
    a step-up does (sessions.mark_strongly_authenticated), for tests whose staff record deposits
    (which need it) without going through a factor. Harmless once make_admin/sign_in sign staff
    in with a passkey."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE sessions SET strongly_authenticated_at = now()"
                     " WHERE user_id = (SELECT id FROM users WHERE username = %s) AND revoked_at IS NULL",
                     (username,))

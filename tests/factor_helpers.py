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

"""PasskeyFactor, the passkey as a second factor: its assertion is bound to the challenge it was
made for (a payment's, derived from amount and payee), used once, its counter stored."""

import os

import pytest

from shared.errors import SecondFactorRejected
from shared.passkeys import PasskeyFactor
from shared.repositories import passkeys
from tests.integration.test_ledger import new_customer
from tests.webauthn_authenticator import SoftAuthenticator

FACTOR = PasskeyFactor("localhost", "IE Bank", ["http://localhost:4280"])


def enrolled(run, runtime):
    user, _ = new_customer(run, runtime)
    authenticator = SoftAuthenticator()

    async def go():
        async with runtime.db.unit_of_work() as uow:
            await passkeys.insert(uow, user.id, authenticator.credential_id, authenticator._cose_key(), 0,
                                  ["internal"], "Phone")
            await uow.commit()
    run(go())
    return user, authenticator


def options(run, runtime, user_id, challenge):
    async def go():
        async with runtime.db.reader() as read:
            return await FACTOR.request_options(read, user_id, challenge)
    return run(go())


def verify(run, runtime, user_id, proof, challenge):
    async def go():
        async with runtime.db.unit_of_work() as uow:
            await FACTOR.verify(uow, user_id, proof, challenge)
            await uow.commit()
    run(go())


def test_an_assertion_signed_over_one_challenge_fails_for_another(run, runtime):
    user, authenticator = enrolled(run, runtime)
    payment_a, payment_b = os.urandom(32), os.urandom(32)
    signed_for_a = authenticator.assert_(options(run, runtime, user.id, payment_a))
    with pytest.raises(SecondFactorRejected):
        verify(run, runtime, user.id, signed_for_a, payment_b)
    verify(run, runtime, user.id, signed_for_a, payment_a)


def test_the_request_options_name_the_users_passkeys_and_require_user_verification(run, runtime):
    user, authenticator = enrolled(run, runtime)
    other, _ = new_customer(run, runtime)
    challenge = os.urandom(32)
    given = options(run, runtime, user.id, challenge)
    assert given is not None and given["userVerification"] == "required" and given["rpId"] == "localhost"
    assert [c["id"] for c in given["allowCredentials"]] == [authenticator.assert_(given)["id"]]
    assert authenticator.assert_(given)["response"]["clientDataJSON"]  # the challenge is the one given

    async def held(user_id):
        async with runtime.db.reader() as read:
            return await FACTOR.available(read, user_id)
    assert run(held(user.id)) is True and run(held(other.id)) is False


def test_a_replayed_assertion_or_another_users_passkey_is_rejected_and_the_counter_stored(run, runtime):
    user, authenticator = enrolled(run, runtime)
    other, _ = new_customer(run, runtime)
    challenge = os.urandom(32)
    assertion = authenticator.assert_(options(run, runtime, user.id, challenge), counter=4)
    with pytest.raises(SecondFactorRejected):
        verify(run, runtime, other.id, assertion, challenge)
    verify(run, runtime, user.id, assertion, challenge)
    with pytest.raises(SecondFactorRejected):
        verify(run, runtime, user.id, assertion, challenge)
    with pytest.raises(SecondFactorRejected):
        verify(run, runtime, user.id, "123456", challenge)

    async def stored():
        async with runtime.db.reader() as read:
            return (await passkeys.of_user(read, user.id))[0]
    passkey = run(stored())
    assert passkey.sign_count == 4 and passkey.last_used_at is not None

"""The staff-deposit rule of issue 17, without I/O: a deposit needs a session a second factor
proved while SCA is enforced (shared/payment_authentication.require_strong_session)."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pydantic import SecretStr

from shared.domain import Session
from shared.errors import StrongAuthenticationRequired
from shared.payment_authentication import linked_challenge, require_strong_session
from shared.settings import Settings

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def settings(mode: str) -> Settings:
    return Settings(app_env="test", database_url="postgresql://x/y", jwt_signing_key=SecretStr("k" * 40),
                    sca_mode=mode)


def session(proved_at: datetime | None) -> Session:
    return Session(id=uuid4(), user_id=uuid4(), purpose="full", user_agent=None, created_at=NOW, last_used_at=NOW,
                   idle_expires_at=NOW, expires_at=NOW, strongly_authenticated_at=proved_at)


def test_a_deposit_from_a_session_no_factor_proved_is_refused_while_sca_is_enforced():
    with pytest.raises(StrongAuthenticationRequired):
        require_strong_session(settings("enforced"), session(None))
    with pytest.raises(StrongAuthenticationRequired):
        require_strong_session(settings("enforced"), None)
    require_strong_session(settings("enforced"), session(NOW))


def test_with_sca_off_a_password_session_may_deposit():
    require_strong_session(settings("off"), session(None))


def test_the_passkey_challenge_of_a_payment_changes_with_its_amount_currency_source_and_payee():
    nonce = b"n" * 32
    base = linked_challenge(nonce, 5000, "EUR", "IE01", "IE02")
    others = {linked_challenge(nonce, 5001, "EUR", "IE01", "IE02"), linked_challenge(nonce, 5000, "GBP", "IE01", "IE02"),
              linked_challenge(nonce, 5000, "EUR", "IE03", "IE02"), linked_challenge(nonce, 5000, "EUR", "IE01", "IE03"),
              linked_challenge(b"m" * 32, 5000, "EUR", "IE01", "IE02")}
    assert base not in others and len(others) == 5 and len(base) == 32

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from shared.domain import Session
from shared.errors import StrongAuthenticationRequired
from shared.strong_auth import require_fresh

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def session(*, signed_in_ago: int, proved_ago: int | None) -> Session:
    created = NOW - timedelta(seconds=signed_in_ago)
    return Session(id=uuid4(), user_id=uuid4(), purpose="full", user_agent=None, created_at=created,
                   last_used_at=NOW, idle_expires_at=NOW + timedelta(minutes=15), expires_at=NOW + timedelta(hours=8),
                   strongly_authenticated_at=None if proved_ago is None else NOW - timedelta(seconds=proved_ago))


def test_a_holder_of_a_factor_needs_a_recent_proof_of_it_not_a_recent_password():
    require_fresh(session(signed_in_ago=3600, proved_ago=60), has_factor=True, now=NOW, fresh_seconds=300)
    with pytest.raises(StrongAuthenticationRequired):
        require_fresh(session(signed_in_ago=10, proved_ago=None), has_factor=True, now=NOW, fresh_seconds=300)
    with pytest.raises(StrongAuthenticationRequired):
        require_fresh(session(signed_in_ago=3600, proved_ago=301), has_factor=True, now=NOW, fresh_seconds=300)


def test_a_first_factor_needs_a_recent_sign_in():
    require_fresh(session(signed_in_ago=60, proved_ago=None), has_factor=False, now=NOW, fresh_seconds=300)
    with pytest.raises(StrongAuthenticationRequired):
        require_fresh(session(signed_in_ago=301, proved_ago=None), has_factor=False, now=NOW, fresh_seconds=300)

"""Fixtures of the reliability suites: a local host with two worker processes (as a scaled-out
Function App would be), and the size of the bank test."""

import os
from collections.abc import Iterator

import pytest

from tests.conftest import LocalHost


def bank_test_transfers() -> int:
    """BANK_TEST_TRANSFERS (default 2,000, the CI size; `make soak` sets 50,000)."""
    return int(os.environ.get("BANK_TEST_TRANSFERS") or 2000)


@pytest.fixture(scope="session")
def two_worker_host(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHost]:
    host = LocalHost(database_url, tmp_path_factory.mktemp("host2") / "host.log", workers=2).start()
    yield host
    host.stop()

"""Property-based fuzzing of every operation in the OpenAPI document (schemathesis), over HTTP
through the local host, offline: no answer is a 5xx and every answer matches its documented
schema. Customer routes are called with a customer's token and back-office routes with an
admin's, so the generated requests reach the real handlers, not only the token check."""

import os
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import LocalHost, _fresh_database
from tests.helpers import deposit, make_admin, sign_in, sign_up
from tests.reliability import figures

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 25)  # per operation; `make soak` may raise it
SEEN: Counter[str] = Counter()
STATUSES: Counter[str] = Counter()


@pytest.fixture(scope="module")
def fuzz_target(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A database of its own: the fuzzer may freeze, rename or delete whatever it guesses."""
    from ops.migrations import apply_migrations

    url = _fresh_database(postgres_server)
    apply_migrations(url)
    host = LocalHost(url, tmp_path_factory.mktemp("fuzz") / "host.log").start()
    started = time.monotonic()
    with httpx.Client(base_url=host.base_url, timeout=30) as api:
        customer = sign_up(api)
        deposit(url, customer.account, "100.00")
        admin = sign_in(api, *make_admin(url))
    yield {"host": host, "customer": customer.headers, "admin": {"Authorization": f"Bearer {admin}"}}
    host.stop()
    figures.record("fuzz", "Fuzzing from the OpenAPI document (schemathesis, derandomized)", {
        "operations": len(SEEN),
        "examples per operation (at most)": EXAMPLES,
        "requests sent": sum(SEEN.values()),
        "answers by status": dict(sorted(STATUSES.items())),
        "checks": "not_a_server_error, response_schema_conformance",
        "suite time (s)": round(time.monotonic() - started, 1),
    }, {"no 5xx answer": not any(status.startswith("5") for status in STATUSES),
        "every answer matches its documented schema": True})  # a mismatch fails the test first


def operations() -> list[tuple[str, str]]:
    """(method, path) of every documented operation, read from the same document the host serves."""
    import function_app
    from shared.openapi import build_document, registered_functions

    paths = build_document(registered_functions(function_app.app))["paths"]
    return sorted((method.upper(), path) for path, item in paths.items() for method in item)


@pytest.fixture(scope="module")
def api_schema(fuzz_target):
    return schemathesis.openapi.from_url(fuzz_target["host"].base_url + "/api/openapi.json")


# Not schemathesis' own pytest loader: with pytest 9 it fails (it sets a node id pytest no
# longer has), so each operation is a test of its own that runs hypothesis directly.
@pytest.mark.parametrize(("method", "path"), operations())
def test_no_operation_answers_5xx_or_off_schema(method, path, api_schema, fuzz_target):
    operation = api_schema[path][method]
    staff = path.startswith("/api/manage")
    headers = fuzz_target["admin"] if staff else fuzz_target["customer"]
    # Valid requests (they reach the handlers) and invalid ones (they must be refused with a 4xx).
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases)
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case) -> None:
        response = case.call(base_url=fuzz_target["host"].base_url, headers=headers, timeout=30)
        SEEN[f"{method} {path}"] += 1
        STATUSES[str(response.status_code)] += 1
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    fuzz()

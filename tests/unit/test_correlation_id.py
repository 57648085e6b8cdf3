"""The correlation id a request is known by in logs, problem bodies and the audit trail (shared.observability)."""

import re
import uuid

import pytest

from shared.observability import correlation_id

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
GENERATED = re.compile(r"[0-9a-f]{32}")


def test_the_trace_id_of_a_w3c_traceparent_comes_first():
    headers = {"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01", "x-correlation-id": str(uuid.uuid4())}
    assert correlation_id(headers) == TRACE


@pytest.mark.parametrize(
    "given, kept",
    [
        (TRACE, TRACE),
        (TRACE.upper(), TRACE),
        ("0f8fad5b-d9cb-469f-a165-70867728950e", "0f8fad5b-d9cb-469f-a165-70867728950e"),
        (" 0F8FAD5B-D9CB-469F-A165-70867728950E ", "0f8fad5b-d9cb-469f-a165-70867728950e"),
    ],
)
def test_a_client_may_name_its_request_with_a_trace_id_or_a_uuid_kept_in_lower_case(given, kept):
    assert correlation_id({"x-correlation-id": given}) == kept


@pytest.mark.parametrize(
    "given",
    [
        "checkout-1234",  # a free-form token
        "x" * 5000,  # unbounded
        TRACE[:-1],  # 31 hex digits
        TRACE + "0",  # 33
        "0" * 32,  # the W3C "no trace" id
        "00000000-0000-0000-0000-000000000000",
        "{0f8fad5b-d9cb-469f-a165-70867728950e}",  # .NET's braces
        "0f8fad5bd9cb-469f-a165-70867728950e",
        "0f8fad5b-d9cb-469f-a165-70867728950e\r\nforged: line",
        "0f8fad5b-d9cb-469f-a165-70867728950e'; DROP TABLE audit_log; --",
        "0f8fad5b-d9cb-469f-a165-7086772895é0",
        "",
    ],
)
def test_anything_else_a_client_sends_is_replaced_by_a_new_id(given):
    generated = correlation_id({"x-correlation-id": given})
    assert GENERATED.fullmatch(generated) and generated != given.lower()


@pytest.mark.parametrize(
    "traceparent",
    [f"00-{'0' * 32}-00f067aa0ba902b7-01", f"00-{TRACE}-00f067aa0ba902b7", f"00-{TRACE}x-00f067aa0ba902b7-01",
     f"00-{TRACE}-00f067aa0ba902b7-01\r\nx", "garbage"],
)
def test_an_invalid_traceparent_falls_back_to_the_callers_id(traceparent):
    given = str(uuid.uuid4())
    assert correlation_id({"traceparent": traceparent, "x-correlation-id": given}) == given


def test_without_any_id_each_request_gets_a_new_one():
    first, second = correlation_id({}), correlation_id({})
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second

"""The edge: bodies are parsed and validated before anything else runs (no database needed)."""

from __future__ import annotations

import asyncio
import json

import azure.functions as func
import pytest

from shared.endpoint import Call, endpoint
from shared.models import RegisterRequest, TransferRequest


@endpoint(summary="test", access="public")
async def echo_transfer(call: Call[TransferRequest, None]) -> None:
    raise AssertionError("must not be reached for an invalid request")


def call(body: bytes | str, content_type: str = "application/json") -> func.HttpResponse:
    data = body.encode() if isinstance(body, str) else body
    return asyncio.run(echo_transfer(func.HttpRequest("POST", "http://localhost/api/transfers", body=data,
                                                      headers={"content-type": content_type})))


VALID = {"from_account": "IE16IEBK00000000000001", "to_account": "IE86IEBK00000000000002", "amount": "1.00"}


def problem(response: func.HttpResponse) -> dict:
    assert response.mimetype == "application/problem+json"
    body = json.loads(response.get_body())
    assert body["status"] == response.status_code and body["correlation_id"]
    return body


def test_malformed_json_is_400():
    assert problem(call("{not json"))["type"].endswith("/malformed-json")


def test_a_body_over_64_kb_is_413():
    assert call("x" * (64 * 1024 + 1)).status_code == 413


def test_a_body_that_is_not_json_is_415():
    assert call(json.dumps(VALID), "text/plain").status_code == 415


def test_deeply_nested_json_is_a_client_error_not_a_crash():
    assert call("[" * 100_000 + "]" * 100_000).status_code in (400, 413)
    assert call("[" * 5000 + "]" * 5000).status_code in (400, 422)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused(literal):
    assert call('{"from_account":"x","to_account":"y","amount":%s}' % literal).status_code == 400


@pytest.mark.parametrize(("field", "value"), [
    ("amount", "-1"), ("amount", "0"), ("amount", "1.001"), ("amount", "1; DROP TABLE"),
    ("from_account", "IE00IEBK00000000000001"), ("to_account", "../../etc"), ("to_account", "IE16IEBK\u0000"),
    ("description", "x" * 141), ("description", "nul\u0000byte"),
])
def test_bad_fields_are_422_naming_the_field(field, value):
    body = problem(call(json.dumps({**VALID, field: value})))
    assert body["status"] == 422
    assert field in [error["field"] for error in body["errors"]]


@pytest.mark.parametrize("number", ["1e309", "-5", "0.001", "1e-400", "12345678901234567890"])
def test_json_numbers_that_are_not_valid_amounts_are_422(number):
    raw = '{"from_account":"%s","to_account":"%s","amount":%s}' % (VALID["from_account"], VALID["to_account"], number)
    body = problem(call(raw))
    assert body["status"] == 422 and body["errors"][0]["field"] == "amount"


def test_unknown_fields_are_refused_so_nobody_sets_what_they_should_not():
    body = problem(call(json.dumps({**VALID, "balance": "1000000"})))
    assert body["status"] == 422 and body["errors"][0]["field"] == "balance"


def test_sending_money_to_the_same_account_is_refused_naming_the_recipient():
    body = problem(call(json.dumps({**VALID, "to_account": VALID["from_account"]})))
    assert [error["field"] for error in body["errors"]] == ["to_account"]


def test_a_validation_problem_never_echoes_the_input():
    secret = "Sup3rSecretValue"
    response = call(json.dumps({**VALID, "amount": secret}))
    assert secret not in response.get_body().decode()


def test_the_correlation_id_from_traceparent_comes_back():
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = asyncio.run(echo_transfer(func.HttpRequest(
        "POST", "http://localhost/api/transfers", body=b"{", headers={
            "content-type": "application/json", "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})))
    assert response.headers["x-correlation-id"] == trace_id
    assert json.loads(response.get_body())["correlation_id"] == trace_id


@endpoint(summary="test", access="public")
async def register_stub(call: Call[RegisterRequest, None]) -> None:
    raise AssertionError("must not be reached for an invalid request")


def test_badly_shaped_fields_are_explained_in_words_not_regular_expressions():
    body = {"username": "x", "password": "Good-pass-1", "password_confirmation": "Other-pass-1",
            "full_name": "A B", "email": "bad", "country": "Ireland"}
    response = asyncio.run(register_stub(func.HttpRequest("POST", "http://localhost/api/auth/register",
                                                          body=json.dumps(body).encode(),
                                                          headers={"content-type": "application/json"})))
    errors = {error["field"]: error["message"] for error in problem(response)["errors"]}
    assert errors["username"].startswith("must be 3 to 32 letters")
    assert errors["email"].startswith("must be an email address")
    assert errors["country"].startswith("must be a two-letter country code")
    assert errors["password_confirmation"] == "does not match the password"
    assert not any("pattern" in message for message in errors.values())

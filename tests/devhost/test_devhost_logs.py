"""Unit tests of the dev host's log formats and host.json reading (no I/O)."""

import json
import logging

import pytest

from devhost.asgi import function_timeout, route_prefix
from devhost.logs import ACCESS_LOGGER, JsonFormatter, TextFormatter


def record(name, message, **extra):
    rec = logging.LogRecord(name, logging.INFO, __file__, 1, message, None, None)
    rec.__dict__.update(extra)
    return rec


def test_json_line_carries_request_fields_and_the_apps_own_extra_fields():
    line = json.loads(
        JsonFormatter().format(
            record("iebank.request", "GET /api/me 200", status=200, user_id="u-1", correlation_id="c-1", route=None)
        )
    )
    assert line["message"] == "GET /api/me 200"
    assert (line["status"], line["user_id"], line["correlation_id"]) == (200, "u-1", "c-1")
    assert line["timestamp"].endswith("Z") and line["level"] == "INFO" and line["logger"] == "iebank.request"
    assert "route" not in line, "fields set to None are left out"
    assert "pathname" not in line and "args" not in line, "LogRecord internals stay out"


def test_text_request_line_is_short_and_readable():
    text = TextFormatter().format(
        record(ACCESS_LOGGER, "GET /api/accounts/{number} 200 3.1 ms", function="get_account", correlation_id="c-9")
    )
    assert text.endswith("INFO  GET /api/accounts/{number} 200 3.1 ms  fn=get_account  cid=c-9")


@pytest.mark.parametrize(
    "host_json, expected",
    [
        ({}, 30.0),
        ({"functionTimeout": "00:00:01"}, 1.0),
        ({"functionTimeout": "00:05:00"}, 300.0),
        ({"functionTimeout": "-1"}, 30.0),
    ],
)
def test_function_timeout_comes_from_host_json(host_json, expected):
    assert function_timeout(host_json) == expected


def test_route_prefix_defaults_to_api_and_may_be_empty():
    assert route_prefix({}) == "api"
    assert route_prefix({"extensions": {"http": {"routePrefix": ""}}}) == ""
    assert route_prefix({"extensions": {"http": {"routePrefix": "/v1/"}}}) == "v1"

"""Unit tests (no I/O) of the lines the dev host writes, its host.json reading and its timer schedules.

The host logs through the app's own formatters (shared.observability), so these are the lines a
developer reads in a terminal (text) or a log collector reads (JSON).
"""

import json
import logging
import sys
from datetime import UTC, datetime

import pytest

from devhost.asgi import ACCESS_LOGGER, function_timeout, route_prefix
from devhost.routing import AppConfigError
from devhost.timers import check_schedule, latest_before, next_after
from shared.observability import JsonFormatter, TextFormatter

FORGED = "\r\n12:00:00.000 INFO  GET /api/transfers 201 1.0ms  fn=create_transfer  cid=forged\u2028\x85\x1b[2J"


def record(name, message, *args, exc_info=None, **extra):
    rec = logging.LogRecord(name, logging.INFO, __file__, 1, message, args, exc_info)
    rec.__dict__.update(extra)
    return rec


def test_json_line_carries_request_fields_and_the_apps_own_extra_fields():
    line = json.loads(JsonFormatter().format(
        record("iebank.request", "GET /api/me 200", status=200, user_id="u-1", correlation_id="c-1", route=None)
    ))
    assert line["message"] == "GET /api/me 200"
    assert (line["status"], line["user_id"], line["correlation_id"]) == (200, "u-1", "c-1")
    assert line["timestamp"].endswith("Z") and line["level"] == "INFO" and line["logger"] == "iebank.request"
    assert "route" not in line, "fields set to None are left out"
    assert "pathname" not in line and "args" not in line, "LogRecord internals stay out"


def test_text_request_line_is_short_and_readable():
    text = TextFormatter().format(
        record(ACCESS_LOGGER, "GET /api/accounts/{number} 200 3.1ms", function="get_account", status=200,
               correlation_id="c-9")
    )
    assert text.endswith("INFO  GET /api/accounts/{number} 200 3.1ms  fn=get_account  cid=c-9")


def test_a_control_character_in_a_message_or_a_field_cannot_start_a_second_line():
    rec = record("demo_app", "item %s", FORGED, route="/api/x" + FORGED, status=404, correlation_id="c" + FORGED)
    for formatter in (JsonFormatter(), TextFormatter()):
        [line] = formatter.format(rec).splitlines()  # splitlines also splits on U+2028 and U+0085
        assert "\x1b" not in line
    text = TextFormatter().format(record("demo_app", "item %s", FORGED))
    assert text.endswith("[demo_app] item \\r\\n12:00:00.000 INFO  GET /api/transfers 201 1.0ms  "
                         "fn=create_transfer  cid=forged\\u2028\\x85\\x1b[2J")
    assert json.loads(JsonFormatter().format(record("demo_app", "item %s", FORGED)))["message"] == "item " + FORGED


def test_a_traceback_in_text_is_indented_so_its_lines_cannot_read_as_records():
    try:
        raise ValueError("bad input" + FORGED)
    except ValueError:
        exc_info = sys.exc_info()
    lines = TextFormatter().format(record("devhost", "function boom raised", exc_info=exc_info)).split("\n")
    assert lines[0].endswith("[devhost] function boom raised")
    assert len(lines) > 2 and all(line.startswith("    ") for line in lines[1:])
    assert any(line.endswith("bad input\\r") for line in lines), "a carriage return is written as \\r"
    assert any(line.startswith("    12:00:00.000 INFO  GET /api/transfers") for line in lines), "indented, not a record"


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


def test_ncrontab_schedules_have_seconds_first_and_run_in_utc():
    moment = datetime(2025, 3, 30, 1, 0, 0, tzinfo=UTC)  # a daylight-saving night in Europe: UTC has none
    assert next_after("0 15 3 * * *", moment) == datetime(2025, 3, 30, 3, 15, 0, tzinfo=UTC)
    assert next_after("*/20 * * * * *", moment) == datetime(2025, 3, 30, 1, 0, 20, tzinfo=UTC)
    assert latest_before("* * * * * *", datetime(2025, 3, 30, 1, 0, 5, 500000, tzinfo=UTC)) == datetime(
        2025, 3, 30, 1, 0, 5, tzinfo=UTC)


@pytest.mark.parametrize("schedule", ["15 3 * * *", "00:05:00", "0 61 * * * *", "0 15 3 * * * 2025"])
def test_a_schedule_that_is_not_six_field_ncrontab_is_refused(schedule):
    with pytest.raises(AppConfigError, match="nightly"):
        check_schedule("nightly", schedule)

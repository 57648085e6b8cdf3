"""Correlation ids and log lines: one JSON object (or one readable line) per record, control characters escaped.

The correlation id comes from W3C traceparent (its trace id) or x-correlation-id when that is a
trace id or a UUID, else a new one; it goes back in the x-correlation-id header, in every problem
body and into the audit trail. Nothing here logs a body, a token, a password or a query string.

Every field is passed to `logging` as `extra=`, so the same record reaches two places: the line
the formatters below write (local host, commands) and, in Azure, the OpenTelemetry log handler
that shared/telemetry.py attaches to the `iebank` logger, which turns each extra field into a
customDimensions entry of the trace in Application Insights (customDimensions.correlation_id,
.route, .status, .duration_ms, .user_id, .function).

A log line is one line whatever a client sent: the formatters escape control characters (CR, LF,
the C1 set, the Unicode line separators) in the message and in every field, so a request path
holding %0d%0a cannot forge a second record.
"""

import json
import logging
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any

_TRACEPARENT = re.compile(r"[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")
# What a client may name its request with: a W3C trace id (32 hex digits) or a UUID (canonical
# 8-4-4-4-12 form), nothing else. The id lands in the audit trail and in every log line, so it
# is bounded (36 characters at most), plain ASCII, and stored lower-case in one spelling.
_GIVEN_ID = re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_NULL_ID = re.compile(r"[0-]+")  # all zeros: "no trace" in W3C terms


def correlation_id(headers: Mapping[str, str]) -> str:
    """The trace id of a valid traceparent, else a valid x-correlation-id (lower-cased), else a new id."""
    traceparent = _TRACEPARENT.fullmatch((headers.get("traceparent") or "").strip().lower())
    if traceparent and not _NULL_ID.fullmatch(traceparent.group(1)):
        return traceparent.group(1)
    given = (headers.get("x-correlation-id") or "").strip().lower()
    if _GIVEN_ID.fullmatch(given) and not _NULL_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_one(found: re.Match[str]) -> str:
    char = found.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def escape(text: str) -> str:
    """`text` on one line: each control character written as its escape (``\\r``, ``\\n``, ``\\x1b``)."""
    return _CONTROL.sub(_escape_one, text) if _CONTROL.search(text) else text


def _route(url: str, route_params: Mapping[str, str] | None = None) -> str:
    """The path as its route template: /api/accounts/{number}, not the account number itself.

    Path only: a query string may hold something nobody should find in a log."""
    path = url.split("?", 1)[0]
    path = "/" + path.split("://", 1)[-1].split("/", 1)[-1] if "://" in path else path
    if not route_params:
        return path
    names = {str(value): name for name, value in route_params.items() if value}
    return "/".join("{" + names[segment] + "}" if segment in names else segment for segment in path.split("/"))


def log_request(logger: logging.Logger, req: Any, status: int, started: float, correlation: str,
                user_id: str | None, function: str) -> None:
    """The one line per request of a function (the route as its template, never the query)."""
    if not logger.isEnabledFor(logging.ERROR if status >= 500 else logging.INFO):
        return
    log_answer(logger, req.method, _route(req.url, req.route_params), status, started, correlation, user_id,
               function)


def log_answer(logger: logging.Logger, method: str, route: str, status: int, started: float,
               correlation: str | None, user_id: str | None, function: str | None) -> None:
    """A request line for a route already known (the local host's own answers call this directly)."""
    level = logging.ERROR if status >= 500 else logging.INFO
    if not logger.isEnabledFor(level):
        return
    duration_ms = round((time.perf_counter() - started) * 1000, 2)
    fields: dict[str, Any] = {
        "function": function, "route": route, "method": method,
        "status": status, "duration_ms": duration_ms, "correlation_id": correlation,
    }
    if user_id is not None:  # an OpenTelemetry attribute may not be None
        fields["user_id"] = user_id
    # makeRecord + handle rather than logger.log(): log() walks the stack to find its caller, which
    # cost as much as everything else in this line (docs/benchmarks.md, the transfer profile).
    record = logger.makeRecord(logger.name, level, __file__, 0, "%s %s %s %.1fms",
                               (method, route, status, duration_ms), None, function, fields)
    logger.handle(record)


def log_exception(logger: logging.Logger, correlation: str) -> None:
    logger.exception("unhandled error", extra={"correlation_id": correlation})


# Attributes every LogRecord has; anything else on a record came through `extra=` and goes into
# the line (the request fields, a timer's past_due, ...).
_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message", "asctime", "taskName"}


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {name: value for name, value in record.__dict__.items()
            if value is not None and name not in _STANDARD_ATTRIBUTES}


class _SecondCache:
    """strftime once a second, not once a line (a busy host writes thousands a second)."""

    def __init__(self, pattern: str, convert: Any) -> None:
        self.pattern, self.convert = pattern, convert
        self.second, self.text = -1, ""

    def __call__(self, created: float) -> str:
        second = int(created)
        if second != self.second:
            self.second, self.text = second, time.strftime(self.pattern, self.convert(second))
        return self.text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp (UTC), level, logger, message and every extra field.

    ASCII only: json.dumps escapes every control and non-ASCII character, so no value can break
    the line (Python's splitlines also splits on U+2028 and U+0085)."""

    def __init__(self) -> None:
        super().__init__()
        self._utc = _SecondCache("%Y-%m-%dT%H:%M:%S", time.gmtime)

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": f"{self._utc(record.created)}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(extra_fields(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """``20:41:46.123 INFO  GET /api/accounts/{number} 200 3.1ms  fn=get_account  cid=...`` (local time).

    A record starts at the first column; the lines of a traceback are indented, so nothing a
    client sends can begin a line that reads as a record of its own."""

    def __init__(self) -> None:
        super().__init__()
        self._local = _SecondCache("%H:%M:%S", time.localtime)

    def format(self, record: logging.LogRecord) -> str:
        line = f"{self._local(record.created)}.{int(record.msecs):03d} {record.levelname:<5} "
        fields = record.__dict__
        if "status" in fields:  # a request line
            line += escape(record.getMessage())
            if fields.get("function"):
                line += f"  fn={escape(str(fields['function']))}"
        else:
            line += f"[{record.name}] {escape(record.getMessage())}"
        if "correlation_id" in fields:
            line += f"  cid={escape(str(fields['correlation_id'] or '-'))}"
        if record.exc_info:
            line += "".join("\n    " + escape(part) for part in self.formatException(record.exc_info).split("\n"))
        return line


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """For processes we own (the local host, commands); in Azure the worker owns the handlers."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)

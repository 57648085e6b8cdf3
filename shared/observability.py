"""Correlation ids and structured logs: one JSON object per line through the standard logging module.

The correlation id comes from W3C traceparent (its trace id) or x-correlation-id, else a new one;
it goes back in the x-correlation-id header and in every problem body. Nothing here logs a body,
a token, a password or a query string.

Every field is passed to `logging` as `extra=`, so the same record reaches two places: the JSON
line below (local host, commands) and, in Azure, the OpenTelemetry log handler that
shared/telemetry.py attaches to the `iebank` logger, which turns each extra field into a
customDimensions entry of the trace in Application Insights (customDimensions.correlation_id,
.route, .status, .duration_ms, .user_id, .function).
"""

import json
import logging
import re
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Extra fields a log record may carry into the JSON line.
FIELDS = ("function", "route", "method", "status", "duration_ms", "correlation_id", "user_id")


def correlation_id(headers: Mapping[str, str]) -> str:
    traceparent = _TRACEPARENT.match((headers.get("traceparent") or "").strip().lower())
    if traceparent and traceparent.group(1) != "0" * 32:
        return traceparent.group(1)
    given = (headers.get("x-correlation-id") or "").strip()
    if _CORRELATION_ID.match(given):
        return given
    return uuid.uuid4().hex


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
    level = logging.ERROR if status >= 500 else logging.INFO
    if not logger.isEnabledFor(level):
        return
    duration_ms = round((time.perf_counter() - started) * 1000, 2)
    fields: dict[str, Any] = {
        "function": function, "route": _route(req.url, req.route_params), "method": req.method,
        "status": status, "duration_ms": duration_ms, "correlation_id": correlation,
    }
    if user_id is not None:  # an OpenTelemetry attribute may not be None
        fields["user_id"] = user_id
    # makeRecord + handle rather than logger.log(): log() walks the stack to find its caller, which
    # cost as much as everything else in this line (docs/benchmarks.md, the transfer profile).
    record = logger.makeRecord(logger.name, level, __file__, 0, "%s %s %s %.1fms",
                               (req.method, fields["route"], status, duration_ms), None, function, fields)
    logger.handle(record)


def log_exception(logger: logging.Logger, correlation: str) -> None:
    logger.exception("unhandled error", extra={"correlation_id": correlation})


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, logger, message and the request fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(log_format: str) -> None:
    """For processes we own (the local host, commands); in Azure the worker owns the handlers."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)

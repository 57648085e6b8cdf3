"""Log output of the dev host: one line per request, readable text or one JSON object a line.

The app's own ``logging`` records go through the same handler, so a terminal shows one stream.
Request lines never carry bodies, query strings or headers (Authorization included).
"""

from __future__ import annotations

import json
import logging
import sys
import time

ACCESS_LOGGER = "devhost.access"
# The app's own one-line-per-request records read like the host's.
REQUEST_LOGGERS = frozenset({ACCESS_LOGGER, "iebank.request"})
# Attributes every LogRecord has; anything else on a record came through ``extra=`` and goes
# into the JSON line as is (the host's request fields, the app's user_id, ...).
_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


_last_second: list[object] = [-1, ""]  # (second, its text): one strftime a second


def _timestamp(record: logging.LogRecord) -> str:
    seconds = int(record.created)
    if _last_second[0] != seconds:
        _last_second[:] = [seconds, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))]
    return f"{_last_second[1]}.{int(record.msecs):03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, message, logger, and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "timestamp": _timestamp(record),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
        }
        for name, value in record.__dict__.items():
            if value is not None and name not in _STANDARD_ATTRIBUTES:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``20:41:46.123 INFO  GET /api/accounts/{number} 200 3.1 ms fn=get_account cid=...``"""

    def format(self, record: logging.LogRecord) -> str:
        clock = time.strftime("%H:%M:%S", time.localtime(record.created)) + f".{int(record.msecs):03d}"
        line = f"{clock} {record.levelname:<5} "
        if record.name in REQUEST_LOGGERS:
            line += record.getMessage()
            function = record.__dict__.get("function")
            if function:
                line += f"  fn={function}"
            line += f"  cid={record.__dict__.get('correlation_id') or '-'}"
        else:
            line += f"[{record.name}] {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def default_format() -> str:
    return "text" if sys.stderr.isatty() else "json"


def configure(log_format: str, level: int = logging.INFO) -> None:
    """Send every log record (ours, the app's) to stderr in one format; quiet uvicorn and pgserver."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's access log would duplicate ours (and print query strings); its lifecycle chatter
    # repeats the start banner. Warnings and errors still come through.
    logging.getLogger("uvicorn.access").disabled = True
    for noisy in ("uvicorn", "uvicorn.error", "pgserver", "azure", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

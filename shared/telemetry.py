"""Application Insights telemetry and the bank's business metrics.

When APPLICATIONINSIGHTS_CONNECTION_STRING is set, `configure` (called once per worker while the
runtime is built, i.e. on the first request) sets up the azure-monitor-opentelemetry distro:
traces, exceptions, logs of the `iebank` loggers (their `extra=` fields become customDimensions)
and the metrics below. When it is not set nothing from opentelemetry or azure.monitor is ever
imported, and every `record_*` function returns at its first line.

PostgreSQL dependencies: the distro instruments psycopg2 only. psycopg 3 is instrumented when
opentelemetry-instrumentation-psycopg is installed (it is, in requirements.txt).
"""

import logging
import threading
from dataclasses import dataclass
from typing import Any

from shared.money import MINOR_UNITS_PER_UNIT

log = logging.getLogger("iebank.telemetry")
# The distro attaches its log handler here: our request lines (and anything under iebank.*)
# go to Application Insights as traces with their extra fields as customDimensions.
LOGGER_NAME = "iebank"
METER_NAME = "iebank"


@dataclass(frozen=True)
class _Instruments:
    transfers_completed: Any
    transfer_amount: Any
    transfers_refused: Any
    logins: Any
    logins_throttled: Any


_instruments: _Instruments | None = None
_configured = False
_lock = threading.Lock()


def configure(connection_string: str | None) -> bool:
    """Starts export to Application Insights once per process; True when telemetry is on."""
    global _configured
    if not connection_string:
        return False
    with _lock:
        if _configured:
            return True
        from azure.monitor.opentelemetry import configure_azure_monitor
        from opentelemetry import metrics

        configure_azure_monitor(connection_string=connection_string, logger_name=LOGGER_NAME,
                                enable_live_metrics=False)
        app_logger = logging.getLogger(LOGGER_NAME)
        if app_logger.level == logging.NOTSET:  # one INFO line per request must get through
            app_logger.setLevel(logging.INFO)
        _instrument_psycopg()
        use_meter(metrics.get_meter(METER_NAME))
        _configured = True
    return True


def _instrument_psycopg() -> None:
    try:
        from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    except ImportError:
        log.info("opentelemetry-instrumentation-psycopg is not installed: no PostgreSQL dependency telemetry")
        return
    PsycopgInstrumentor().instrument(enable_commenter=False)


def use_meter(meter: Any | None) -> None:
    """Creates the instruments on an OpenTelemetry meter (None turns recording off); tests pass
    a meter of their own."""
    global _instruments
    if meter is None:
        _instruments = None
        return
    _instruments = _Instruments(
        transfers_completed=meter.create_counter(
            "iebank.transfers.completed", unit="{transfer}", description="Transfers and deposits posted"),
        transfer_amount=meter.create_counter(
            "iebank.transfers.amount", unit="{currency_unit}",
            description="Money moved by posted transfers, in major units, per currency"),
        transfers_refused=meter.create_counter(
            "iebank.transfers.refused", unit="{transfer}", description="Transfers refused, by reason"),
        logins=meter.create_counter(
            "iebank.logins", unit="{login}", description="Sign-in attempts by outcome (succeeded, failed)"),
        logins_throttled=meter.create_counter(
            "iebank.logins.throttled", unit="{login}",
            description="Sign-in attempts refused with 429 by the login throttle"),
    )


def record_transfer_completed(kind: str, currency: str, amount_minor: int) -> None:
    instruments = _instruments
    if instruments is None:
        return
    attributes = {"kind": kind, "currency": currency}
    instruments.transfers_completed.add(1, attributes)
    instruments.transfer_amount.add(amount_minor / MINOR_UNITS_PER_UNIT, attributes)


def record_transfer_refused(kind: str, reason: str) -> None:
    instruments = _instruments
    if instruments is None:
        return
    instruments.transfers_refused.add(1, {"kind": kind, "reason": reason})


def record_login(succeeded: bool) -> None:
    instruments = _instruments
    if instruments is None:
        return
    instruments.logins.add(1, {"outcome": "succeeded" if succeeded else "failed"})


def record_login_throttled() -> None:
    instruments = _instruments
    if instruments is None:
        return
    instruments.logins_throttled.add(1)

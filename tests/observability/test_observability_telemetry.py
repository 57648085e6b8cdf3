"""Telemetry: nothing of OpenTelemetry without a connection string; with one, the distro once,
our log fields as customDimensions, and the business metrics counted where they happen."""

import json
import logging
import secrets
import subprocess
import sys
import time
from decimal import Decimal

import azure.functions as func
import pytest

from shared import observability, telemetry
from tests.conftest import ROOT, host_environment
from tests.helpers import PASSWORD, deposit, register_body, signed_in

TELEMETRY_MODULES = ("opentelemetry", "azure.monitor")

# Runs in a fresh interpreter: the app's triggers called as the Functions worker calls them.
_SERVE_WITHOUT_TELEMETRY = r"""
import asyncio, json, sys
import azure.functions as func
import function_app

loop = asyncio.Runner()  # one loop for every call, as in the worker: the pool belongs to it

functions = {f.get_function_name(): f.get_user_function() for f in function_app.app.get_functions()}

def call(name, method, url, body=None, headers=None):
    request = func.HttpRequest(method, url, body=json.dumps(body).encode() if body else b"",
                               headers={"content-type": "application/json", **(headers or {})})
    return loop.run(functions[name](request))

user, other = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert call("readiness_check", "GET", "/api/health/ready").status_code == 200
created = call("register", "POST", "/api/auth/register", user)
assert created.status_code == 201, created.get_body()
recipient = json.loads(call("register", "POST", "/api/auth/register", other).get_body())["account"]["number"]
login = call("login", "POST", "/api/auth/login", {"username": user["username"], "password": user["password"]})
token = json.loads(login.get_body())["access_token"]
account = json.loads(created.get_body())["account"]["number"]
refused = call("create_transfer", "POST", "/api/transfers",
               {"from_account": account, "to_account": recipient, "amount": "1.00"},
               {"authorization": "Bearer " + token, "idempotency-key": "telemetry-test"})
assert refused.status_code == 409, refused.get_body()  # insufficient funds, from the ledger
failed = call("login", "POST", "/api/auth/login", {"username": user["username"], "password": "wrong-password"})
assert failed.status_code == 401
print(json.dumps(sorted(m for m in sys.modules if m.startswith(("opentelemetry", "azure.monitor")))))
"""


def test_serving_requests_without_a_connection_string_imports_no_opentelemetry(database_url):
    env = host_environment(database_url)
    env.pop("APPLICATIONINSIGHTS_CONNECTION_STRING", None)
    result = subprocess.run([sys.executable, "-c", _SERVE_WITHOUT_TELEMETRY, json.dumps(register_body()),
                             json.dumps(register_body())],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_recording_a_metric_with_telemetry_off_is_a_cheap_no_op():
    telemetry.use_meter(None)
    started = time.perf_counter()
    for _ in range(100_000):
        telemetry.record_login(succeeded=True)
    # About 0.01 s on a slow machine; the bound only catches real work sneaking in.
    assert time.perf_counter() - started < 0.5


@pytest.fixture
def fake_distro(monkeypatch):
    """configure_azure_monitor replaced by a recorder; the module's state restored afterwards."""
    import azure.monitor.opentelemetry as distro

    calls = []
    monkeypatch.setattr(distro, "configure_azure_monitor", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setattr(telemetry, "_configured", False)
    app_logger = logging.getLogger(telemetry.LOGGER_NAME)
    level = app_logger.level
    yield calls
    telemetry.use_meter(None)
    app_logger.setLevel(level)


def test_a_connection_string_starts_the_distro_once_per_worker_on_the_iebank_logger(fake_distro):
    assert telemetry.configure(None) is False and fake_distro == []
    connection = "InstrumentationKey=00000000-0000-0000-0000-000000000000"
    assert telemetry.configure(connection) is True
    assert telemetry.configure(connection) is True
    [kwargs] = fake_distro
    assert kwargs["connection_string"] == connection and kwargs["logger_name"] == "iebank"


def test_the_request_fields_reach_application_insights_as_custom_dimensions():
    # The exact path in Azure: the distro's log handler on the `iebank` logger, then the Azure
    # Monitor exporter's conversion into a trace telemetry item.
    from azure.monitor.opentelemetry.exporter.export.logs._exporter import _convert_log_to_envelope
    from opentelemetry.instrumentation.logging.handler import LoggingHandler
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    handler = LoggingHandler(logger_provider=provider)
    parent = logging.getLogger(telemetry.LOGGER_NAME)
    parent.addHandler(handler)
    level = parent.level
    parent.setLevel(logging.INFO)  # as telemetry.configure leaves it
    try:
        request = func.HttpRequest("GET", "http://h/api/accounts/IE29IEBK12345612345678", body=b"",
                                   route_params={"number": "IE29IEBK12345612345678"})
        observability.log_request(logging.getLogger("iebank.request"), request, 200, time.perf_counter(),
                                  "4bf92f3577b34da6a3ce929d0e0e4736", "user-7", "get_account")
    finally:
        parent.removeHandler(handler)
        parent.setLevel(level)
    [record] = exporter.get_finished_logs()
    envelope = _convert_log_to_envelope(record)
    dimensions = envelope.data.base_data.properties
    assert dimensions["correlation_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert dimensions["route"] == "/api/accounts/{number}" and dimensions["function"] == "get_account"
    assert dimensions["status"] == "200" and dimensions["user_id"] == "user-7"
    assert float(dimensions["duration_ms"]) >= 0


@pytest.fixture
def metrics():
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    reader = InMemoryMetricReader()
    telemetry.use_meter(MeterProvider(metric_readers=[reader]).get_meter("test"))
    yield reader
    telemetry.use_meter(None)


def totals(reader) -> dict[tuple[str, tuple], float]:
    found = {}
    data = reader.get_metrics_data()
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    found[(metric.name, tuple(sorted(point.attributes.items())))] = point.value
    return found


def test_transfers_refusals_logins_and_throttled_logins_are_counted(metrics, runtime, run, database_url):
    from shared import ledger, users
    from shared.errors import InsufficientFunds, InvalidCredentials, TooManyLoginAttempts
    from shared.models import LoginRequest, RegisterRequest, TransferRequest

    def register():
        return run(users.register(runtime.db, runtime.passwords, runtime.login_policy, RegisterRequest(**register_body()),
                              "127.0.0.1", "test"))

    payer, payee = register(), register()
    deposit(database_url, payer.account.number, "30.00")
    send = TransferRequest(from_account=payer.account.number, to_account=payee.account.number, amount="12.50")
    caller = signed_in(run, runtime, payer.user.id)
    run(ledger.transfer(runtime.db, caller, send, secrets.token_hex(8)))
    run(ledger.transfer(runtime.db, caller, send, secrets.token_hex(8)))
    with pytest.raises(InsufficientFunds):
        run(ledger.transfer(runtime.db, caller, send, secrets.token_hex(8)))

    def login(password):
        return run(users.login(runtime.db, runtime.passwords, runtime.tokens, runtime.mailer,
                               runtime.sign_in_delays, runtime.login_policy, runtime.session_policy,
                               LoginRequest(username=payer.user.username, password=password), "127.0.0.1", "tests",
                               "test"))

    login(PASSWORD)
    for _ in range(runtime.login_policy.max_failures):
        with pytest.raises(InvalidCredentials):
            login("not-the-password")
    with pytest.raises(TooManyLoginAttempts):
        login(PASSWORD)

    counted = totals(metrics)
    transfer_eur = (("currency", "EUR"), ("kind", "transfer"))
    assert counted[("iebank.transfers.completed", transfer_eur)] == 2
    assert Decimal(str(counted[("iebank.transfers.amount", transfer_eur)])) == Decimal("25")
    assert counted[("iebank.transfers.refused", (("kind", "transfer"), ("reason", "insufficient_funds")))] == 1
    assert counted[("iebank.logins", (("outcome", "succeeded"),))] == 1
    assert counted[("iebank.logins", (("outcome", "failed"),))] == runtime.login_policy.max_failures
    assert counted[("iebank.logins.throttled", ())] == 1


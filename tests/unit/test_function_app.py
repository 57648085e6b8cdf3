"""The app as the Functions host sees it: every use case registered, documented, nothing reserved."""

import subprocess
import sys

import function_app
from shared.openapi import build_document, registered_functions

EXPECTED = {
    ("GET", "health"), ("GET", "health/ready"), ("GET", "openapi.json"),
    ("POST", "auth/register"), ("POST", "auth/login"), ("POST", "auth/login/factor"), ("GET", "auth/session"), ("POST", "auth/token"),
    ("POST", "auth/logout"), ("POST", "auth/password-reset"), ("POST", "auth/password-reset/confirm"),
    ("GET", "me"), ("PATCH", "me"), ("POST", "me/password"),
    ("GET", "me/sessions"), ("DELETE", "me/sessions/{session_id}"), ("POST", "me/sessions/revoke-all"),
    ("GET", "accounts"), ("POST", "accounts"), ("GET", "accounts/{number}"), ("PATCH", "accounts/{number}"),
    ("POST", "transfers"), ("POST", "transfers/preview"), ("GET", "transactions"),
    ("GET", "manage/users"), ("POST", "manage/users"), ("GET", "manage/users/{user_id}"),
    ("PATCH", "manage/users/{user_id}"), ("DELETE", "manage/users/{user_id}"),
    ("GET", "manage/users/{user_id}/transactions"), ("POST", "manage/users/{user_id}/unlock"),
    ("POST", "manage/users/{user_id}/password-reset"), ("POST", "manage/users/{user_id}/second-factors/reset"),
    ("PATCH", "manage/accounts/{number}"),
    ("POST", "manage/accounts/{number}/deposits"), ("GET", "manage/audit"),
    ("GET", "manage/approvals"), ("POST", "manage/approvals/{approval_id}/approve"),
    ("POST", "manage/approvals/{approval_id}/reject"),
    # Scheduled and standing orders (issue 16).
    ("POST", "standing-orders"), ("GET", "standing-orders"), ("GET", "standing-orders/{order_id}"),
    ("PATCH", "standing-orders/{order_id}"), ("GET", "standing-orders/{order_id}/executions"),
    ("GET", "payees"), ("POST", "payees"), ("POST", "payees/verify"), ("PATCH", "payees/{payee_id}"),
    ("DELETE", "payees/{payee_id}"),
    # Statements (issue 16).
    ("GET", "accounts/{number}/statement"), ("GET", "manage/accounts/{number}/statement"),
    ("GET", "manage/audit/export"),
}
# The account page's balance chart.
EXPECTED |= {("GET", "accounts/{number}/balance-history")}
# Passkeys (issue 17).
EXPECTED |= {("GET", "me/passkeys"), ("POST", "me/passkeys"), ("POST", "me/passkeys/options"),
             ("PATCH", "me/passkeys/{passkey_id}"), ("DELETE", "me/passkeys/{passkey_id}"),
             ("POST", "auth/passkey/options"), ("POST", "auth/passkey")}
# Authenticator-app codes, recovery codes and the step-up (issue 17).
EXPECTED |= {("POST", "me/totp"), ("POST", "me/totp/confirm"), ("DELETE", "me/totp"), ("POST", "me/recovery-codes"),
             ("GET", "me/factors"), ("POST", "auth/step-up"), ("POST", "auth/step-up/confirm")}
# A payment's confirmation with a second factor (issue 17).
EXPECTED |= {("POST", "transfers/confirm")}


def http_functions() -> list:
    return [f for f in registered_functions(function_app.app) if f.is_http_function()]


def registered() -> set[tuple[str, str]]:
    routes = set()
    for function in http_functions():
        trigger = function.get_trigger()
        for method in trigger.methods:
            routes.add((method.value, trigger.route))
    return routes


def test_every_use_case_is_registered_with_its_route_and_method():
    assert registered() == EXPECTED


def test_no_route_or_function_name_starts_with_admin_which_the_host_reserves():
    for function in registered_functions(function_app.app):
        assert not function.get_function_name().lower().startswith("admin")
    for function in http_functions():
        assert not function.get_trigger().route.lower().startswith("admin")


def test_the_nightly_purge_of_idempotency_keys_is_registered_as_a_timer():
    timers = {f.get_function_name(): f.get_trigger() for f in registered_functions(function_app.app)
              if not f.is_http_function()}
    assert timers["purge_expired_keys"].schedule == "0 15 3 * * *"


def test_standing_orders_are_executed_by_a_timer_every_ten_minutes():
    timers = {f.get_function_name(): f.get_trigger() for f in registered_functions(function_app.app)
              if not f.is_http_function()}
    assert timers["run_standing_orders"].schedule == "0 */10 * * * *"


def test_function_names_are_unique():
    names = [function.get_function_name() for function in registered_functions(function_app.app)]
    assert len(names) == len(set(names))


def test_every_registered_route_is_in_the_openapi_document():
    document = build_document(registered_functions(function_app.app))
    documented = {(method.upper(), path.removeprefix("/api/")) for path, item in document["paths"].items()
                  for method in item}
    assert documented == {(method, route) for method, route in EXPECTED if route != "openapi.json"}
    assert document["openapi"].startswith("3.1")


def test_importing_the_app_loads_no_database_driver_jwt_settings_or_telemetry():
    # Cold start is import time: the heavy libraries load on the first request instead.
    code = ("import sys, function_app; heavy = [m for m in ('psycopg', 'psycopg_pool', 'jwt', 'pydantic',"
            " 'pydantic_settings', 'bcrypt', 'azure.identity', 'azure.monitor.opentelemetry', 'opentelemetry')"
            " if m in sys.modules]; print(','.join(heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=function_app.__file__.rsplit("/", 1)[0])
    assert result.stdout.strip() == ""


def test_a_statement_route_is_documented_as_a_csv_or_pdf_download_with_its_period_parameters():
    document = build_document(registered_functions(function_app.app))
    for path in ("/api/accounts/{number}/statement", "/api/manage/accounts/{number}/statement"):
        operation = document["paths"][path]["get"]
        success = operation["responses"]["200"]
        assert set(success["content"]) == {"text/csv", "application/pdf"}
        assert success["content"]["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
        assert "Content-Disposition" in success["headers"]
        query = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
        assert set(query) == {"from", "to", "format"}
        assert query["from"]["required"] and query["to"]["required"] and not query["format"]["required"]
        assert {"404", "422"} <= set(operation["responses"])

"""The dev host as users run it: a real subprocess on a free port, spoken to over HTTP."""

import concurrent.futures
import re
import signal
import time
import uuid

import httpx
import pytest

from tests.devhost.hosting import start_host


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    running = start_host(
        tmp_path_factory.mktemp("devhost"),
        "--app",
        "demo_app:app",
        "--no-embedded",
        "--log-format",
        "json",
        "--threads",
        "4",
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def client(host):
    with httpx.Client(base_url=host.url, timeout=10) as c:
        yield c


def test_start_banner_lists_every_route_with_its_methods(host):
    banner = host.text()
    assert "12 HTTP functions loaded from demo_app:app" in banner
    assert "threads 4, timeout 1 s" in banner, "functionTimeout comes from host.json"
    assert f"GET,DELETE   {host.url}/api/items/{{name}}  [item_by_name]" in banner
    assert f"POST,PUT     {host.url}/api/echo  [echo]" in banner


def test_route_params_reach_the_function_with_literal_precedence_and_each_segment_decoded(client):
    assert client.get("/api/items/42").json() == {"function": "item_by_name", "route_params": {"name": "42"}}
    assert client.get("/api/items/special").json() == {"function": "item_special"}
    assert client.get("/api/items/caf%C3%A9").json() == {"function": "item_by_name", "route_params": {"name": "café"}}
    assert client.get("/api/items/a%2Fb").json()["route_params"] == {"name": "a/b"}


def test_parameter_between_literals_trailing_slash_and_repeated_query_keys(client):
    response = client.get("/api/Users/u-1/transactions/", params=[("x", "1"), ("x", "2")])
    assert response.json() == {"route_params": {"user_id": "u-1"}, "params": {"x": "1,2"}}


def test_post_body_headers_and_several_set_cookie_values_round_trip(client):
    response = client.post("/api/echo?debug=1", json={"amount": "12.50"})
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json", "charset only for text/*, as the worker does"
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert response.json() == {
        "method": "POST",
        "url": f"{client.base_url}/api/echo?debug=1".replace("//api", "/api"),
        "length": 18,
        "json": {"amount": "12.50"},
        "content_type": "application/json",
        "forwarded_for": "127.0.0.1",
    }


def test_the_tcp_peer_is_appended_to_x_forwarded_for_as_azures_front_end_does(client):
    response = client.post("/api/echo", json={}, headers={"X-Forwarded-For": "84.203.17.5"})
    assert response.json()["forwarded_for"] == "84.203.17.5, 127.0.0.1"


def test_unknown_path_is_the_apps_problem_json_404_with_the_callers_correlation_id(client):
    given = str(uuid.uuid4())
    response = client.get("/api/nothing-here", headers={"x-correlation-id": given})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-correlation-id"] == given
    body = response.json()
    assert body == {"type": "https://iebank.example/problems/not-found", "title": "Not found", "status": 404,
                    "detail": "No function serves this path.", "correlation_id": given}


def test_host_made_errors_take_the_trace_id_of_a_w3c_traceparent(client):
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = client.get("/api/nothing-here", headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01",
                                                        "x-correlation-id": str(uuid.uuid4())})
    assert response.headers["x-correlation-id"] == trace_id
    assert response.json()["correlation_id"] == trace_id


@pytest.mark.parametrize(
    "given",
    ["abc-123", "x" * 37, "4bf92f3577b34da6a3ce929d0e0e473", "'); DELETE FROM audit_log; --", "0" * 32,
     "{0f8fad5b-d9cb-469f-a165-70867728950e}", "0f8fad5b-d9cb-469f-a165-70867728950e-and-more"],
)
def test_a_correlation_id_that_is_not_a_trace_id_or_a_uuid_is_replaced_by_a_new_one(client, given):
    response = client.get("/api/nothing-here", headers={"x-correlation-id": given})
    generated = response.headers["x-correlation-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated) and generated != given
    assert response.json()["correlation_id"] == generated


def test_a_uuid_correlation_id_is_kept_in_one_lower_case_spelling(client):
    given = "0F8FAD5B-D9CB-469F-A165-70867728950E"
    assert client.get("/api/nothing", headers={"x-correlation-id": given}).headers["x-correlation-id"] == given.lower()


def test_wrong_method_is_405_with_allow_header(client):
    response = client.post("/api/items/abc")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, DELETE"
    assert response.json()["type"] == "https://iebank.example/problems/method-not-allowed"


def test_body_over_64_kib_reaches_the_app_which_answers_413(client):
    assert client.post("/api/echo", content=b"x" * (70 * 1024)).status_code == 413


def test_body_far_over_the_limit_is_refused_by_the_host(client):
    response = client.post("/api/echo", content=b"x" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json()["type"] == "https://iebank.example/problems/payload-too-large"


def test_an_exception_is_a_500_problem_without_internals(client):
    response = client.get("/api/boom")
    assert response.status_code == 500
    assert "secret internals" not in response.text
    assert response.json()["type"] == "https://iebank.example/problems/internal-error"
    assert response.json()["correlation_id"] == response.headers["x-correlation-id"]


def test_async_functions_are_awaited_on_the_event_loop_without_a_thread_hop(client):
    assert client.get("/api/async-hello").text == "hello from a coroutine"
    assert client.get("/api/async-thread").json() == {"thread": "MainThread"}


def test_a_sync_function_past_the_host_json_function_timeout_gets_504_instead_of_a_hang(client):
    started = time.monotonic()
    response = client.get("/api/slow", params={"seconds": "4"})
    assert response.status_code == 504
    assert response.json()["type"] == "https://iebank.example/problems/gateway-timeout"
    assert time.monotonic() - started < 3


def test_an_async_function_past_the_timeout_is_cancelled_and_never_finishes(client, tmp_path):
    marker = tmp_path / "async-slow"
    started = time.monotonic()
    response = client.get("/api/async-slow", params={"seconds": "2", "marker": str(marker)})
    assert response.status_code == 504 and time.monotonic() - started < 1.8
    time.sleep(1.5)  # past the moment the function would have finished
    assert marker.read_text() == "cancelled\n"


def test_sync_functions_run_concurrently_in_the_thread_pool(host):
    def call(_):
        return httpx.get(f"{host.url}/api/slow", params={"seconds": "0.6"}, timeout=10).text

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        assert list(pool.map(call, range(3))) == ["finally"] * 3
    assert time.monotonic() - started < 1.5


def test_one_json_log_line_per_request_without_secrets(host, client):
    given = str(uuid.uuid4())
    client.post(
        "/api/echo?token=query-secret",
        json={"password": "body-secret"},
        headers={"Authorization": "Bearer header-secret", "x-correlation-id": given},
    )
    time.sleep(0.2)
    text = host.text()
    for secret in ("query-secret", "body-secret", "header-secret"):
        assert secret not in text
    [line] = [r for r in host.log_records() if r.get("correlation_id") == given]
    assert line["level"] == "INFO" and line["logger"] == "devhost.access"
    assert line["method"] == "POST" and line["route"] == "/api/echo" and line["function"] == "echo"
    assert line["status"] == 201 and isinstance(line["duration_ms"], float)
    assert {"timestamp", "message"} <= line.keys()


FORGED_PATH = "%0d%0a12:00:00.000%20INFO%20%20GET%20%2Fapi%2Ftransfers%20201%201.0ms%20%20fn=create_transfer"


def test_a_crlf_in_the_url_cannot_forge_a_json_log_line(host, client):
    assert client.get("/api/nothing" + FORGED_PATH).status_code == 404
    assert client.get("/api/items/" + FORGED_PATH).status_code == 200  # the app logs the decoded name
    # A Unicode line separator: a raw one in a JSON line splits it for Python's splitlines and many viewers.
    assert client.get("/api/items/" + FORGED_PATH.replace("%0d%0a", "%E2%80%A8")).status_code == 200
    time.sleep(0.2)
    lines = host.text().splitlines()
    assert not [line for line in lines if "12:00:00.000" in line and not line.startswith("{")]
    assert any("item \\r\\n12:00:00.000 INFO" in line for line in lines if line.startswith("{"))
    assert any("item \\u202812:00:00.000 INFO" in line for line in lines if line.startswith("{"))


def test_a_crlf_in_the_url_cannot_forge_a_text_log_line(tmp_path):
    running = start_host(tmp_path, "--app", "demo_app:app", "--no-embedded", "--log-format", "text")
    try:
        with httpx.Client(base_url=running.url, timeout=10) as client:
            assert client.get("/api/nothing" + FORGED_PATH).status_code == 404
            assert client.get("/api/items/" + FORGED_PATH).status_code == 200
        time.sleep(0.3)
        lines = running.text().splitlines()
        assert not [line for line in lines if line.startswith("12:00:00.000")]
        [not_found] = [line for line in lines if "/api/nothing" in line]
        assert re.match(r"\d\d:\d\d:\d\d\.\d{3} INFO  GET /api/nothing%0d%0a12:00:00.000%20INFO", not_found)
        assert any(line.endswith("[demo_app] item \\r\\n12:00:00.000 INFO  GET /api/transfers 201 1.0ms  "
                                 "fn=create_transfer") for line in lines)
    finally:
        running.stop()


@pytest.mark.parametrize(
    "app, named",
    [("refused_apps:admin_route", "list_users"), ("refused_apps:admin_name", "admin_list_users"),
     ("refused_apps:constraint", "items/{id:int}"), ("refused_apps:five_field_cron", "nightly")],
)
def test_host_refuses_to_start_an_app_it_cannot_serve_as_azure_would(tmp_path, app, named):
    refused = start_host(tmp_path, "--app", app, "--no-embedded", wait=False)
    assert refused.proc.wait(20) == 3
    assert "refusing to start" in refused.text()
    assert repr(named) in refused.text()
    assert "listening on" not in refused.text()


@pytest.fixture(scope="module")
def one_thread_host(tmp_path_factory):
    """One pool thread and the sample's 1 s timeout: a second sync call waits for the first."""
    running = start_host(tmp_path_factory.mktemp("one-thread"), "--app", "demo_app:app", "--no-embedded",
                         "--log-format", "json", "--threads", "1")
    yield running
    running.stop()


def wait_for_log(host, text, count=1, deadline=10):
    end = time.monotonic() + deadline
    while host.text().count(text) < count:
        assert time.monotonic() < end, f"{text!r} not logged:\n{host.text()[-2000:]}"
        time.sleep(0.01)


def test_time_waiting_for_a_thread_does_not_count_against_the_functions_timeout(one_thread_host):
    before = one_thread_host.text().count("slow started")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(httpx.get, f"{one_thread_host.url}/api/slow", params={"seconds": "0.7"}, timeout=10)
        wait_for_log(one_thread_host, "slow started", before + 1)
        started = time.monotonic()
        second = httpx.get(f"{one_thread_host.url}/api/slow", params={"seconds": "0.6"}, timeout=10)
        waited = time.monotonic() - started
        assert first.result().status_code == 200
    assert second.status_code == 200 and second.text == "finally"
    assert waited > 1.0, "queued behind the first call, then ran 0.6 s: over the 1 s timeout in all"


def test_a_call_the_host_gave_up_on_before_it_started_never_runs_later(one_thread_host, tmp_path):
    marker = tmp_path / "never"
    before = one_thread_host.text().count("slow started")
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        stuck = pool.submit(httpx.get, f"{one_thread_host.url}/api/slow", params={"seconds": "2.5"}, timeout=10)
        wait_for_log(one_thread_host, "slow started", before + 1)
        started = time.monotonic()
        queued = httpx.get(f"{one_thread_host.url}/api/slow", params={"seconds": "0", "marker": str(marker)},
                           timeout=10)
        assert time.monotonic() - started < 2
        assert stuck.result().status_code == 504
    assert queued.status_code == 503 and queued.headers["retry-after"] == "1"
    assert queued.json()["type"] == "https://iebank.example/problems/service-unavailable"
    time.sleep(max(0.0, started + 2.7 - time.monotonic()))  # the only thread is free again
    assert httpx.get(f"{one_thread_host.url}/api/slow", params={"seconds": "0"}, timeout=10).text == "finally"
    assert not marker.exists()


def test_sigterm_lets_a_request_in_flight_finish_then_exits_cleanly(tmp_path):
    host = start_host(tmp_path, "--app", "demo_app:app", "--no-embedded", "--timeout", "10")
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pending = pool.submit(httpx.get, f"{host.url}/api/slow", params={"seconds": "1"}, timeout=10)
        end = time.monotonic() + 10
        while "slow started" not in host.text() and time.monotonic() < end:
            time.sleep(0.02)
        host.proc.send_signal(signal.SIGTERM)
        assert pending.result().text == "finally"
    assert host.proc.wait(10) == 0


def test_several_worker_processes_share_the_port(tmp_path):
    workers = start_host(tmp_path, "--app", "demo_app:app", "--no-embedded", "--workers", "2")
    try:
        pids = set()
        end = time.monotonic() + 15
        while len(pids) < 2 and time.monotonic() < end:
            # A new connection each time, so the kernel can hand it to either worker.
            pids.add(
                httpx.get(
                    f"{workers.url}/api/pid",
                    headers={"connection": "close"},
                    timeout=10,
                ).json()["pid"]
            )
        assert len(pids) == 2
    finally:
        assert workers.stop() == 0


def test_without_database_url_an_embedded_postgresql_is_started_migrated_seeded_and_stopped_on_sigterm(
    tmp_path,
):
    pgdata = tmp_path / "pg"
    embedded = start_host(
        tmp_path,
        "--app",
        "demo_app:app",
        "--log-format",
        "text",
        env={
            "IEBANK_PGDATA": str(pgdata),
            "ADMIN_USERNAME": "boss",
            "ADMIN_PASSWORD": "Boss-pass-1",
        },
    )
    try:
        banner = embedded.text()
        assert "embedded PostgreSQL" in banner
        assert re.search(r"alice\s+Alice-demo-1\s+user", banner)
        response = httpx.get(f"{embedded.url}/api/database", timeout=10)
        assert response.json() == {"names": ["admin:boss", "migrated", "seeded"]}
        assert (pgdata / "postmaster.pid").exists()
    finally:
        assert embedded.stop(sig=signal.SIGTERM) == 0
    assert not (pgdata / "postmaster.pid").exists(), "the embedded PostgreSQL should stop with the host"


def test_with_app_logs_requests_the_host_logs_only_the_answers_it_makes_itself(tmp_path):
    running = start_host(tmp_path, "--app", "demo_app:app", "--no-embedded", "--log-format", "json",
                         "--app-logs-requests")
    try:
        with httpx.Client(base_url=running.url, timeout=10) as client:
            by_function, by_host = str(uuid.uuid4()), str(uuid.uuid4())
            client.get("/api/ping", headers={"x-correlation-id": by_function})
            client.get("/api/no-such-route", headers={"x-correlation-id": by_host})
        time.sleep(0.3)
        host_lines = [r for r in running.log_records() if r.get("logger") == "devhost.access"]
        assert [r["correlation_id"] for r in host_lines] == [by_host]
    finally:
        running.stop()

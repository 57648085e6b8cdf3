"""The dev host as users run it: a real subprocess on a free port, spoken to over HTTP."""

import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE_APP = Path(__file__).resolve().parent / "sample_app"
LISTENING = re.compile(r"listening on (http://[0-9.]+:\d+)")


class Host:
    def __init__(self, proc, output, url=None):
        self.proc, self.output, self.url = proc, output, url

    def text(self):
        return self.output.read_text(errors="replace")

    def log_records(self):
        records = []
        for line in self.text().splitlines():
            if line.startswith("{"):
                records.append(json.loads(line))
        return records

    def stop(self, timeout=15, sig=signal.SIGINT):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def start_host(tmp_path, *args, env=None, wait=True, deadline=30):
    """Start ``python -m devhost`` from the sample app folder; return once it is listening."""
    output = tmp_path / f"devhost-{time.monotonic_ns()}.log"
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "LOG_FORMAT", "PORT")}
    environment["PYTHONPATH"] = str(REPO)
    environment.update(env or {})
    with output.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "devhost", "--port", "0", *args],
            cwd=SAMPLE_APP,
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    host = Host(proc, output)
    if not wait:
        return host
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        found = LISTENING.search(host.text())
        if found:
            host.url = found.group(1)
            return host
        if proc.poll() is not None:
            raise AssertionError(f"dev host exited with {proc.returncode}:\n{host.text()}")
        time.sleep(0.05)
    host.stop()
    raise AssertionError(f"dev host did not start:\n{host.text()}")


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
    assert "12 functions loaded from demo_app:app" in banner
    assert "threads 4, timeout 1 s" in banner, "functionTimeout comes from host.json"
    assert f"GET          {host.url}/api/items/{{id:int}}  [item_by_id]" in banner
    assert f"POST,PUT     {host.url}/api/echo  [echo]" in banner


def test_route_params_reach_the_function_with_int_constraint_and_literal_precedence(
    client,
):
    assert client.get("/api/items/42").json() == {
        "function": "item_by_id",
        "route_params": {"id": "42"},
    }
    assert client.get("/api/items/special").json() == {"function": "item_special"}
    assert client.get("/api/items/caf%C3%A9").json() == {
        "function": "item_by_name",
        "route_params": {"name": "café"},
    }


def test_catch_all_and_optional_parameters(client):
    assert client.get("/api/files/a/b/c.txt").json() == {"route_params": {"path": "a/b/c.txt"}}
    assert client.get("/api/greet").json() == {"route_params": {}, "params": {}}
    assert client.get("/api/greet/bob/", params=[("x", "1"), ("x", "2")]).json() == {
        "route_params": {"who": "bob"},
        "params": {"x": "1,2"},
    }


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
    }


def test_unknown_path_is_a_problem_json_404_with_the_callers_correlation_id(client):
    response = client.get("/api/nothing-here", headers={"x-correlation-id": "abc-123"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["x-correlation-id"] == "abc-123"
    body = response.json()
    assert body["type"] == "https://iebank.example/problems/not-found"
    assert (body["title"], body["status"], body["correlation_id"]) == (
        "Not Found",
        404,
        "abc-123",
    )


def test_host_made_errors_take_the_trace_id_of_a_w3c_traceparent(client):
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = client.get("/api/nothing-here", headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
    assert response.headers["x-correlation-id"] == trace_id
    assert response.json()["correlation_id"] == trace_id


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
    assert response.json()["correlation_id"] == response.headers["x-correlation-id"]


def test_async_functions_are_awaited(client):
    assert client.get("/api/async-hello").text == "hello from a coroutine"


def test_a_function_past_the_host_json_function_timeout_gets_504_instead_of_a_hang(client):
    started = time.monotonic()
    response = client.get("/api/slow", params={"seconds": "4"})
    assert response.status_code == 504
    assert response.json()["type"] == "https://iebank.example/problems/gateway-timeout"
    assert time.monotonic() - started < 3


def test_sync_functions_run_concurrently_in_the_thread_pool(host):
    def call(_):
        return httpx.get(f"{host.url}/api/slow", params={"seconds": "0.6"}, timeout=10).text

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        assert list(pool.map(call, range(3))) == ["finally"] * 3
    assert time.monotonic() - started < 1.5


def test_one_json_log_line_per_request_without_secrets(host, client):
    client.post(
        "/api/echo?token=query-secret",
        json={"password": "body-secret"},
        headers={
            "Authorization": "Bearer header-secret",
            "x-correlation-id": "log-check-1",
        },
    )
    time.sleep(0.2)
    text = host.text()
    for secret in ("query-secret", "body-secret", "header-secret"):
        assert secret not in text
    [line] = [r for r in host.log_records() if r.get("correlation_id") == "log-check-1"]
    assert line["level"] == "INFO"
    assert line["method"] == "POST" and line["route"] == "/api/echo" and line["function"] == "echo"
    assert line["status"] == 201 and isinstance(line["duration_ms"], float)
    assert {"timestamp", "message"} <= line.keys()


@pytest.mark.parametrize(
    "app, function_name",
    [("admin_route_app:app", "list_users"), ("admin_name_app:app", "admin_list_users")],
)
def test_host_refuses_to_start_an_app_with_a_reserved_admin_route_or_name(tmp_path, app, function_name):
    refused = start_host(tmp_path, "--app", app, "--no-embedded", wait=False)
    assert refused.proc.wait(20) != 0
    assert "refusing to start" in refused.text()
    assert repr(function_name) in refused.text()
    assert "listening on" not in refused.text()


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
            client.get("/api/ping", headers={"x-correlation-id": "by-function"})
            client.get("/api/no-such-route", headers={"x-correlation-id": "by-host"})
        time.sleep(0.3)
        host_lines = [r for r in running.log_records() if r.get("logger") == "devhost.access"]
        assert [r["correlation_id"] for r in host_lines] == ["by-host"]
    finally:
        running.stop()

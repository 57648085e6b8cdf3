"""The dev host runs the app's timer functions on their NCRONTAB schedule, in one process only."""

import asyncio
import itertools
import json
import time

import httpx

from devhost.asgi import FunctionsHost, Target
from devhost.routing import Router
from devhost.timers import Timer
from tests.devhost.hosting import start_host


def runs(log_path, function=None):
    if not log_path.exists():
        return []
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    return [line for line in lines if function is None or line["function"] == function]


def wait_for_runs(log_path, function, count, deadline=15):
    end = time.monotonic() + deadline
    while len(runs(log_path, function)) < count:
        assert time.monotonic() < end, f"{function} ran {len(runs(log_path, function))} times, not {count}"
        time.sleep(0.05)
    return runs(log_path, function)


def test_timer_functions_run_on_their_schedule_async_and_sync_each_run_logged(tmp_path):
    timer_log = tmp_path / "timers.jsonl"
    host = start_host(tmp_path, "--app", "timer_app:app", "--no-embedded", "--log-format", "json",
                      env={"TIMER_LOG": str(timer_log)})
    try:
        assert "timers (NCRONTAB, UTC), on:" in host.text()
        assert "* * * * * *" in host.text() and "[tick]  at start, then next" in host.text()
        ticks = wait_for_runs(timer_log, "tick", 4)  # once at start, then every second
        tocks = wait_for_runs(timer_log, "tock", 1)
        assert {run["pid"] for run in ticks + tocks} == {host.proc.pid}, "one worker: the host's own process"
        scheduled = [run["at"] for run in ticks[1:]]
        assert all(0.5 < later - earlier < 1.5 for earlier, later in itertools.pairwise(scheduled))
        assert not any(run["past_due"] for run in ticks + tocks)
        time.sleep(0.2)
        logged = [r for r in host.log_records() if r.get("logger") == "devhost.timer" and r.get("function")]
        assert {r["function"] for r in logged} == {"tick", "tock"}
        assert all(r["outcome"] == "ran" and r["level"] == "INFO" for r in logged)
        assert len([r for r in logged if r["function"] == "tick"]) >= 4
    finally:
        assert host.stop() == 0


def test_with_two_workers_one_runs_the_timers_and_the_other_does_not(tmp_path):
    timer_log = tmp_path / "timers.jsonl"
    host = start_host(tmp_path, "--app", "timer_app:app", "--no-embedded", "--log-format", "json",
                      "--workers", "2", env={"TIMER_LOG": str(timer_log)})
    try:
        assert "timers (NCRONTAB, UTC), in one worker:" in host.text()
        workers = set()
        end = time.monotonic() + 15
        while len(workers) < 2 and time.monotonic() < end:
            workers.add(httpx.get(f"{host.url}/api/pid", headers={"connection": "close"}, timeout=10).json()["pid"])
        assert len(workers) == 2
        ticks = wait_for_runs(timer_log, "tick", 4)
        [runner] = {run["pid"] for run in runs(timer_log)}
        assert runner in workers, "a worker runs them, not the supervising parent"
        following = [run["next"] for run in ticks]
        assert len(following) == len(set(following)), "no scheduled second runs twice"
    finally:
        assert host.stop() == 0


def test_no_timers_turns_them_off(tmp_path):
    timer_log = tmp_path / "timers.jsonl"
    host = start_host(tmp_path, "--app", "timer_app:app", "--no-embedded", "--no-timers",
                      env={"TIMER_LOG": str(timer_log)})
    try:
        assert "timers (NCRONTAB, UTC), off (--no-timers):" in host.text()
        assert httpx.get(f"{host.url}/api/pid", timeout=10).status_code == 200
        time.sleep(2.2)
        assert not timer_log.exists()
    finally:
        assert host.stop() == 0


def test_a_run_that_overruns_its_slot_is_followed_by_one_past_due_run_never_an_overlapping_one():
    seen = []

    async def slow_timer(timer):
        seen.append((time.monotonic(), timer.past_due))
        await asyncio.sleep(1.3)
        seen.append((time.monotonic(), "done"))

    host = FunctionsHost(Router([]), [Timer("slow_timer", "* * * * * *", False, Target(slow_timer, True))],
                         timeout=5)

    async def run_for_a_while():
        task = asyncio.create_task(host._keep_schedule(host.timers[0]))
        await asyncio.sleep(3.6)
        task.cancel()

    asyncio.run(run_for_a_while())
    starts = [past_due for _, past_due in seen if past_due != "done"]
    assert starts[:2] == [False, True]
    events = [kind for _, kind in seen]
    assert all(events[i] == "done" for i in range(1, len(events), 2)), "each run ends before the next starts"

"""Processes the bench starts and what they cost: wall time, CPU time (from /proc or wait4), RSS."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, children_reaped: bool = False) -> float:
    """utime + stime of a live process (plus its reaped children's when asked); 0 when gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children_reaped:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / CLOCK_TICKS


def descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def tree_cpu_seconds(root: int, settle_to: int | None = None, settle_timeout: float = 5.0) -> float:
    """CPU of a process, its live descendants and the children it has reaped.

    A child reaped between reading the parent's figures and listing the live ones would count in
    neither: right after pgbench disconnects, its backends are exiting. With `settle_to`, waits
    until no more than that many descendants remain (the exiting ones reaped) before reading."""
    deadline = time.monotonic() + settle_timeout
    while settle_to is not None and len(descendants(root)) > settle_to and time.monotonic() < deadline:
        time.sleep(0.02)
    return cpu_seconds(root, children_reaped=True) + sum(cpu_seconds(pid) for pid in descendants(root))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


@dataclass
class Measured:
    output: str
    wall_seconds: float
    cpu_seconds: float
    returncode: int


def run_measured(command: list[str], timeout: float = 900, env: dict[str, str] | None = None,
                 interrupt_when: Callable[[], bool] | None = None) -> Measured:
    """Runs a command to completion (or sends it SIGINT once `interrupt_when()` is true); its own
    CPU time comes from wait4's rusage."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        deadline = started + timeout
        interrupted = False
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
            if interrupt_when is not None and not interrupted and interrupt_when():
                process.send_signal(signal.SIGINT)
                interrupted = True
            time.sleep(0.02)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    return Measured(text, wall, usage.ru_utime + usage.ru_stime, process.returncode)

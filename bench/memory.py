"""Figure 5: resident memory of one host worker after 10,000 and after 100,000 mixed requests."""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.host import BenchHost
from bench.processes import rss_mb, run_measured

MIXED_SCRIPT = Path(__file__).with_name("mixed.lua")


@dataclass
class MemoryFigures:
    checkpoints: list[tuple[int, float]] = field(default_factory=list)  # (requests so far, RSS MB)
    failed: int = 0
    seconds: float = 0.0

    @property
    def growth(self) -> float:
        (_, first), (_, last) = self.checkpoints[1], self.checkpoints[-1]
        return (last - first) / first


def _send(host: BenchHost, data_file: Path, requests: int, clients: int = 8, threads: int = 2) -> dict:
    with tempfile.TemporaryDirectory() as done_dir:
        command = ["wrk", "-t", str(threads), "-c", str(clients), "-d", "3600s", "--timeout", "10s",
                   "-s", str(MIXED_SCRIPT), host.url + "/", "--", str(data_file), str(threads),
                   "m" + secrets.token_hex(4), str(requests // threads), done_dir]
        measured = run_measured(command, timeout=3600,
                                interrupt_when=lambda: len(os.listdir(done_dir)) >= threads)
    match = re.search(r"BENCH_RESULT (\{.*\})", measured.output)
    if measured.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed: {measured.output[-2000:]}")
    result: dict = json.loads(match.group(1))
    return result


def run_memory(host: BenchHost, data_file: Path, first: int, total: int) -> MemoryFigures:
    """`host` runs one worker (--workers 1): the process itself serves, so its RSS is the worker's."""
    figures = MemoryFigures(checkpoints=[(0, rss_mb(host.pid))])
    done = 0
    for target in (first, total):
        result = _send(host, data_file, target - done)
        done += result["answered"]
        figures.failed += result["failed"]
        figures.seconds += result["duration_us"] / 1e6
        figures.checkpoints.append((done, rss_mb(host.pid)))
    return figures

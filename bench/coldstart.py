"""Figure 4: cold start. Importing the app (what a Functions cold start pays) against importing
azure.functions alone, and a fresh host process to its first answered GET /api/accounts."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

from bench.host import ROOT, BenchHost


@dataclass
class ColdStartFigures:
    processes: int
    app_import_ms: float
    functions_import_ms: float
    first_accounts_ms: list[float] = field(default_factory=list)
    importtime_top: list[tuple[int, int, str]] = field(default_factory=list)  # cumulative us, self us, module

    @property
    def app_cost_ms(self) -> float:
        return self.app_import_ms - self.functions_import_ms


def _fresh_import(module: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT, check=True)
    return (time.perf_counter() - started) * 1000


def importtime_top(limit: int = 10) -> list[tuple[int, int, str]]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import function_app"], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        rows.append((int(cumulative), int(own), name))
    return sorted(rows, reverse=True)[:limit]


def measure_imports(processes: int) -> ColdStartFigures:
    app, functions = [], []
    for _ in range(processes):  # interleaved: the machine's noise falls on both alike
        functions.append(_fresh_import("azure.functions"))
        app.append(_fresh_import("function_app"))
    return ColdStartFigures(processes, statistics.median(app), statistics.median(functions),
                            importtime_top=importtime_top())


def first_accounts(host: BenchHost, token: str) -> float:
    """From starting a fresh host process to its first 200 for GET /api/accounts, in ms."""
    started = host.launch()
    try:
        answered = host.wait_until("/api/accounts", headers={"Authorization": f"Bearer {token}"},
                                   interval=0.002)
    finally:
        host.stop()
    return (answered - started) * 1000

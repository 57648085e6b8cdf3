"""The benchmark harness keeps working: a smoke run at tiny sizes writes a report with every
section. The figures themselves come from `make bench` (docs/benchmarks.md), not from CI."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ("## Machine and command", "## Targets", "## 1. Transfers against pgbench", "## 2. Login",
            "## 3. History", "## 4. Cold start", "## 5. Memory")


def test_a_smoke_run_of_the_bench_writes_every_section_of_the_report(tmp_path: Path) -> None:
    assert shutil.which("wrk"), "wrk is missing: make system-deps installs it"
    out = tmp_path / "benchmarks.md"
    done = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--workers", "1", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = out.read_text()
    for section in SECTIONS:
        assert section in report, f"missing {section}"
    for system, contention, clients in [(s, c, n) for s in ("pgbench", "api") for c in ("low", "high")
                                        for n in (1, 8, 32)]:
        assert re.search(rf"^\| {system} \| {contention} \| {clients} \| \d+ \|", report, re.M), \
            f"no transfer row for {system} {contention} {clients}"
    for clients in (1, 8, 32):  # the ledger function alone, the ceiling of our own transaction
        assert re.search(rf"^\| post_transfer \| low \| {clients} \| \d+ \| \d+\.\d\dx \|", report, re.M), \
            f"no post_transfer row for {clients} clients"
    targets = report.split("## Targets")[1].split("## 1.")[0]
    assert targets.count("met**") == 8, targets  # every target has a measured value
    assert report.count("```") >= 8, "the history query plans are missing"
    assert "cumulative us" in report and "RSS MB" in report

"""The benchmark harness keeps working: a smoke run at tiny sizes writes a report with every
section. The figures themselves come from `make bench` (docs/benchmarks.md), not from CI."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ("## Machine and command", "## Targets", "## 1. Transfers against pgbench", "## 2. Login",
            "## 3. History", "## 4. Cold start", "## 5. Memory", "## 6. Concurrency")
THRESHOLD_TARGETS = 16  # rows of the Targets table with a threshold, each met or not met (two: filtered history, three: search)
REPORTED_ROWS = ("Transfers, 8 clients, low contention: p50 / p99 over HTTP",
                 "GET /api/accounts p99 while 64 anonymous logins run")


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
    # Every transfer the bench sends carries an Idempotency-Key (428 without one): none refused.
    api_low_8 = re.search(r"^\| api \| low \| 8 \|(.*)$", report, re.M)
    assert api_low_8 is not None and api_low_8.group(1).split("|")[5].strip() == "0", api_low_8
    assert "; 0 answers of 400 or more;" in report, "the memory mix (bench/mixed.lua) was refused something"

    targets = report.split("## Targets")[1].split("## 1.")[0]
    assert targets.count("met**") == THRESHOLD_TARGETS, targets  # every target has a measured value
    for row in REPORTED_ROWS:
        assert re.search(rf"^\| {re.escape(row)} \| \d", targets, re.M), f"no measured value for {row}"
    assert report.count("```") >= 8, "the history query plans are missing"
    assert "cumulative us" in report and "RSS MB" in report

    concurrency = report.split("## 6. Concurrency")[1]
    # 32 logins at once are more than BCRYPT_MAX_CONCURRENT per worker: some are refused at once (503).
    for request, refused in (("POST /api/auth/login", r"(, 503: \d+)?"), ("GET /api/transactions", "")):
        assert re.search(rf"^\| `{request}` \| [^|]+ \| 32 \| [\d.]+ \| [1-9]\d* \|.*\| 200: \d+{refused} \|$",
                         concurrency, re.M), f"no 32-client row of {request} answered 200"
    for condition, statuses in (("idle", ""), ("while 8 logins run", r"200: \d+"),
                                ("while 64 anonymous logins run", r"\d{3}: \d+")):
        assert re.search(rf"^\| {condition} \| [1-9]\d* \| [\d.]+ \| [\d.]+ \|.*\| {statuses}[^|]*\|$",
                         concurrency, re.M), f"no GET /api/accounts row {condition}"

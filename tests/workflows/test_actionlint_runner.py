"""`.github/lint/run.sh` really fails on an actionlint finding (and passes a clean file)."""

from __future__ import annotations

import subprocess
from pathlib import Path

RUN_SH = Path(__file__).resolve().parents[2] / ".github" / "lint" / "run.sh"

CLEAN = """\
on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - run: echo "$GITHUB_SHA"
"""


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(RUN_SH), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_clean_workflow_passes(tmp_path: Path) -> None:
    path = tmp_path / "clean.yml"
    path.write_text(CLEAN, encoding="utf-8")
    result = lint(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 findings" in result.stdout


def test_an_undefined_context_property_is_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(CLEAN.replace('"$GITHUB_SHA"', "${{ github.no_such_property }}"), encoding="utf-8")
    result = lint(path)
    assert result.returncode == 1
    assert "no_such_property" in result.stdout
    assert "bad.yml:8:" in result.stdout


def test_a_job_without_runs_on_is_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(CLEAN.replace("    runs-on: ubuntu-latest\n", ""), encoding="utf-8")
    result = lint(path)
    assert result.returncode == 1
    assert "runs-on" in result.stdout

"""Published figures: each reliability suite records what it measured, and docs/reliability.md is
rendered from them. Nobody edits that page by hand.

The figures of the latest run of each suite are kept in tests/reliability/figures.json, one
section for the CI size (`make test`) and one for `make soak` (RELIABILITY_RUN=soak), so a soak
run does not erase the CI figures and the other way round.
"""

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).with_name("figures.json")
PAGE = ROOT / "docs" / "reliability.md"
RUNS = {"ci": "CI size (`make test`)", "soak": "Soak (`make soak`)"}


def run_kind() -> str:
    return "soak" if os.environ.get("RELIABILITY_RUN") == "soak" else "ci"


def machine() -> dict[str, Any]:
    memory_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "memory_gib": memory_gib, "python": platform.python_version(),
            "os": f"{platform.system()} {platform.release()}", "machine": platform.machine()}


def record(suite: str, title: str, figures: dict[str, Any], invariants: dict[str, bool] | None = None) -> None:
    """Stores one suite's figures for this run kind and renders the page again."""
    data = json.loads(DATA.read_text()) if DATA.exists() else {}
    data.setdefault(run_kind(), {})[suite] = {
        "title": title,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "figures": figures,
        "invariants": invariants or {},
    }
    DATA.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    PAGE.write_text(render(data))


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_value(item)}" for key, item in value.items()) or "none"
    if isinstance(value, list):
        return "; ".join(_value(item) for item in value) or "none"
    return str(value)


def render(data: dict[str, Any]) -> str:
    lines = [
        "# Reliability figures",
        "",
        "Written by the suites in `tests/reliability/` (`tests/reliability/figures.py`); do not edit by hand.",
        "`make test` refreshes the CI-size section, `make soak` the soak section. Each suite shows the",
        "date and machine of its latest run. What each suite does and what it cannot show is in",
        "`docs/threat-model.md`.",
        "",
    ]
    for kind, heading in RUNS.items():
        suites = data.get(kind, {})
        lines += [f"## {heading}", ""]
        if not suites:
            lines += ["Not run yet.", ""]
            continue
        for suite in sorted(suites):
            entry = suites[suite]
            box = entry["machine"]
            lines += [f"### {entry['title']}", "",
                      f"{entry['date']}, {box['cpus']} CPUs, {box['memory_gib']} GiB, Python {box['python']}, "
                      f"{box['os']} ({box['machine']})", "",
                      "| figure | value |", "|---|---|"]
            lines += [f"| {name} | {_value(value)} |" for name, value in entry["figures"].items()]
            if entry["invariants"]:
                lines += ["", "| invariant | result |", "|---|---|"]
                lines += [f"| {name} | {'holds' if ok else '**VIOLATED**'} |"
                          for name, ok in entry["invariants"].items()]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # re-render the page from the stored figures
    PAGE.write_text(render(json.loads(DATA.read_text()) if DATA.exists() else {}))
    sys.exit(0)

#!/usr/bin/env bash
# Offline checks of the Bicep templates (no Bicep CLI, no Azure):
#   1. tests/infra with the project venv (.venv): every template parses (pycep-parser),
#      parameter files match their templates, per-environment resources and settings,
#      connection budget;
#   2. checkov --framework bicep over infra/ from its own venv (.venv-infra, because checkov
#      pins many packages): no failed check, no parsing error, every skip with a reason.
# Exits non-zero on any failure. Needs the package index only to (re)build .venv-infra when
# requirements-infra.txt changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

APP_PYTHON="${APP_PYTHON:-$ROOT/.venv/bin/python}"
INFRA_VENV="${INFRA_VENV:-$ROOT/.venv-infra}"
REQUIREMENTS="$ROOT/requirements-infra.txt"
STAMP="$INFRA_VENV/.requirements-infra.sha256"

if [[ ! -x "$APP_PYTHON" ]]; then
  echo "infra/check.sh: $APP_PYTHON not found; create it first (make venv)" >&2
  exit 2
fi

# ---- 1. checkov's venv, rebuilt only when requirements-infra.txt changes ----------------
wanted="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [[ ! -x "$INFRA_VENV/bin/checkov" || "$(cat "$STAMP" 2>/dev/null)" != "$wanted" ]]; then
  echo "== installing requirements-infra.txt into ${INFRA_VENV#"$ROOT"/}"
  python_for_venv="${INFRA_PYTHON:-python3.11}"
  command -v "$python_for_venv" >/dev/null || python_for_venv=python3
  [[ -x "$INFRA_VENV/bin/python" ]] || "$python_for_venv" -m venv "$INFRA_VENV"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$INFRA_VENV/bin/pip" install --quiet -r "$REQUIREMENTS"
  echo "$wanted" >"$STAMP"
fi

# ---- 2. template tests ----------------------------------------------------------------------
echo "== pytest tests/infra"
tests_status=0
"$APP_PYTHON" -m pytest -q -p no:cacheprovider tests/infra || tests_status=$?

# ---- 3. checkov -----------------------------------------------------------------------------
echo "== checkov --framework bicep -d infra/"
report="$(mktemp -d)"
trap 'rm -rf "$report"' EXIT
status=0
# --skip-download: no call home for guidelines (this machine is offline).
"$INFRA_VENV/bin/checkov" --framework bicep -d infra/ --skip-download --compact \
  --output cli --output json --output-file-path "$report" >"$report/stdout.txt" 2>&1 || status=$?

checkov_status=0
"$INFRA_VENV/bin/python" - "$report/results_json.json" "$status" <<'PY' || checkov_status=$?
import json
import sys

path, status = sys.argv[1], int(sys.argv[2])
try:
    with open(path) as handle:
        report = json.load(handle)
except (OSError, ValueError) as error:
    print(open(path.replace("results_json.json", "stdout.txt")).read())
    sys.exit(f"checkov produced no JSON report ({error}); exit status {status}")
reports = report if isinstance(report, list) else [report]
problems = []
passed = failed = skipped = parsing_errors = resources = 0
for r in reports:
    s = r["summary"]
    passed += s["passed"]
    failed += s["failed"]
    skipped += s["skipped"]
    parsing_errors += s["parsing_errors"]
    resources += s.get("resource_count", 0)
    for check in r["results"].get("failed_checks", []):
        print(f"  FAILED  {check['check_id']} {check['resource']} ({check['file_path']}): {check['check_name']}")
    for check in r["results"].get("skipped_checks", []):
        reason = (check.get("check_result") or {}).get("suppress_comment", "").strip()
        print(f"  skipped {check['check_id']} {check['resource']}: {reason}")
        if not reason or reason == "No comment provided":
            problems.append(f"skip without a reason: {check['check_id']} in {check['file_path']}")
print(f"checkov: {passed} passed, {failed} failed, {skipped} skipped, "
      f"{parsing_errors} parsing errors, {resources} resources")
if failed:
    problems.append(f"{failed} failed checks")
if parsing_errors:
    problems.append(f"{parsing_errors} files checkov could not parse")
if resources == 0:
    problems.append("checkov scanned no resources")
if status and not failed:
    problems.append(f"checkov exited with status {status}")
if problems:
    sys.exit("infra check failed: " + "; ".join(problems))
PY
if ((tests_status || checkov_status)); then
  echo "== infra checks FAILED (tests/infra: exit $tests_status, checkov: exit $checkov_status)" >&2
  exit 1
fi
echo "== infra checks passed"

#!/usr/bin/env bash
# Dependency audits: pip-audit over the Python requirements, npm audit (high and critical)
# over each npm lock file. Both need their vulnerability databases online, which the
# development machines cannot reach, so outside GitHub Actions this prints that the audit
# was NOT run and exits 0; the CI workflow's `audit` job runs it for real and fails on findings.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"

if [ "${GITHUB_ACTIONS:-}" != "true" ]; then
  echo "dependency audit: NOT RUN here (pip-audit and npm audit need their online vulnerability"
  echo "databases, unreachable from this machine); the GitHub CI workflow's audit job runs them."
  exit 0
fi

PIP_AUDIT_VERSION="2.10.1"

venv="$(mktemp -d)/pip-audit"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet "pip-audit==$PIP_AUDIT_VERSION"

requirement_args=()
for file in requirements.txt requirements-dev.txt requirements-infra.txt; do
  if [ -f "$file" ]; then
    requirement_args+=(--requirement "$file")
  fi
done
echo "::group::pip-audit ${requirement_args[*]}"
# pip-audit has no severity filter: any known vulnerability with a fix fails the job.
"$venv/bin/pip-audit" --progress-spinner off --strict "${requirement_args[@]}"
echo "::endgroup::"

status=0
for lock in frontend/package-lock.json .github/lint/package-lock.json; do
  if [ -f "$lock" ]; then
    dir="$(dirname "$lock")"
    echo "::group::npm audit --audit-level=high ($dir)"
    (cd "$dir" && npm audit --audit-level=high) || status=1
    echo "::endgroup::"
  fi
done
exit "$status"

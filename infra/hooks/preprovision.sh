#!/usr/bin/env bash
# azd preprovision hook: refuse early what provisioning or the postprovision hook would fail on,
# and make the project's .venv (the migration hook runs python -m ops from it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
if [[ -z "${AZURE_PRINCIPAL_NAME:-}" ]]; then
  echo "Set your user principal name first; it becomes your PostgreSQL administrator role:" >&2
  echo "  azd env set AZURE_PRINCIPAL_NAME you@example.com" >&2
  exit 1
fi
if [[ -z "${AZURE_CLIENT_IP:-}" ]]; then
  echo "AZURE_CLIENT_IP is not set: the database admits only Azure-hosted clients, so the" >&2
  echo "migration hook works from a Codespace or an Azure VM only (azd env set AZURE_CLIENT_IP <your IPv4>)." >&2
fi
if [[ "${DRY_RUN:-}" == 1 ]]; then echo "dry run: make venv"; else make venv; fi

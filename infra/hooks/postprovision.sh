#!/usr/bin/env bash
# azd postprovision hook, as the developer (the database's Entra administrator under azd):
#   1. the migrations, and the app's login role made a member of iebank_runtime
#      (python -m ops migrate --app-role, as the pipeline runs it);
#   2. the secrets the app needs, generated once into Key Vault (infra/hooks/ensure_secrets.py).
# azd passes the template's outputs (AZURE_POSTGRES_HOST, ...) as environment variables.
# DRY_RUN=1: the same commands in their dry-run modes; nothing is reached.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
: "${AZURE_POSTGRES_HOST:?output of infra/main.bicep}" "${AZURE_APP_DB_ROLE:?output of infra/main.bicep}"
: "${AZURE_KEY_VAULT_NAME:?output of infra/main.bicep}" "${AZURE_PRINCIPAL_NAME:?azd env set AZURE_PRINCIPAL_NAME}"
PYTHON="${PYTHON:-.venv/bin/python}"
dry_run=()
[[ "${DRY_RUN:-}" == 1 ]] && dry_run=(--dry-run)

# No password anywhere: ops fetches an Entra token for the signed-in developer (azd or az login).
DATABASE_URL="$("$PYTHON" -c 'import sys, urllib.parse as u; print("postgresql://%s@%s:5432/iebank?sslmode=require" % (u.quote(sys.argv[1], safe=""), sys.argv[2]))' "$AZURE_PRINCIPAL_NAME" "$AZURE_POSTGRES_HOST")"
export DATABASE_URL DATABASE_AUTH=entra
"$PYTHON" -m ops migrate --app-role "$AZURE_APP_DB_ROLE" "${dry_run[@]}"
"$PYTHON" infra/hooks/ensure_secrets.py --vault "$AZURE_KEY_VAULT_NAME" "${dry_run[@]}"

#!/usr/bin/env bash
# The secrets deployment script (infra/secrets.bicep): runs in Azure Container Instances inside the
# environment's VNet as the secrets identity, already signed in to the Azure CLI by the deployment
# script service, and reaches the app's Key Vault through its private endpoint. It runs the one
# generator (infra/hooks/ensure_secrets.py, carried in GENERATOR): a missing secret is created with
# a random value, an existing one is kept; no value is printed.
# Environment (set by secrets.bicep): GENERATOR, KEY_VAULT.
# SECRETS_DRY_RUN=1 (tests/infra only): the generator's dry run, reaches nothing.
set -euo pipefail

for name in GENERATOR KEY_VAULT; do
  if [ -z "${!name:-}" ]; then
    echo "error: $name is not set" >&2
    exit 2
  fi
done

umask 077
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf '%s\n' "$GENERATOR" > "$work/ensure_secrets.py"

dry_run=()
if [ "${SECRETS_DRY_RUN:-}" = "1" ]; then
  dry_run=(--dry-run)
fi
# Standard library only with --backend cli: the Azure CLI image's python3, no pip.
# A role assignment made by main.bicep minutes ago can take a while to apply, so a failed run is
# tried again; that is safe because the generator only ever sets a name the vault lacks.
attempts="${SECRETS_ATTEMPTS:-5}"
attempt=1
until python3 "$work/ensure_secrets.py" --vault "$KEY_VAULT" --backend cli "${dry_run[@]}"; do
  if [ "$attempt" -ge "$attempts" ]; then
    echo "error: still failing after $attempt attempts" >&2
    exit 1
  fi
  echo "attempt $attempt failed; trying again in ${SECRETS_RETRY_SECONDS:-30} s" >&2
  attempt=$((attempt + 1))
  sleep "${SECRETS_RETRY_SECONDS:-30}"
done

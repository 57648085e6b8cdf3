#!/usr/bin/env bash
# The migration deployment script (infra/migrate.bicep): runs in Azure Container Instances inside
# the environment's VNet as the migration identity, the PostgreSQL Entra administrator.
# Environment (set by migrate.bicep): IEBANK_PAYLOAD (base64 tar.xz from infra/migration/payload.py),
# PG_HOST, PG_ROLE, APP_DB_ROLE, AZURE_CLIENT_ID, DATABASE_AUTH=entra.
# MIGRATION_DRY_RUN=1 (tests/infra only): no pip install, `ops migrate --dry-run`, connects to nothing.
set -euo pipefail

for name in IEBANK_PAYLOAD PG_HOST PG_ROLE APP_DB_ROLE; do
  if [ -z "${!name:-}" ]; then
    echo "error: $name is not set" >&2
    exit 2
  fi
done

work="$(mktemp -d)"
# Python's own tarfile and lzma: the image need not carry xz.
python3 - "$work" <<'PY'
import base64, io, os, sys, tarfile

data = base64.b64decode(os.environ["IEBANK_PAYLOAD"], validate=True)
with tarfile.open(fileobj=io.BytesIO(data), mode="r:xz") as archive:
    archive.extractall(sys.argv[1], filter="data")
PY
cd "$work"

if [ "${MIGRATION_DRY_RUN:-}" = "1" ]; then
  exec python3 -m ops migrate --dry-run --app-role "$APP_DB_ROLE"
fi

# The Azure CLI image's Python (Azure Linux 3.0: 3.12); pip from PyPI (the subnet's outbound access).
if ! python3 -m pip --version >/dev/null 2>&1; then
  tdnf install -y python3-pip >/dev/null
fi
# --target: into this run's folder only, never the image's own packages.
python3 -m pip install --disable-pip-version-check --no-cache-dir --quiet \
  --target "$work/deps" --requirement requirements-migrate.txt
export PYTHONPATH="$work:$work/deps"

# The password is an Entra access token the app fetches (shared/keyvault.py), so the URL has none.
DATABASE_URL="$(python3 -c 'import sys, urllib.parse as u; print("postgresql://%s@%s:5432/iebank?sslmode=require" % (u.quote(sys.argv[1], safe=""), sys.argv[2]))' "$PG_ROLE" "$PG_HOST")"
export DATABASE_URL
python3 -m ops migrate --app-role "$APP_DB_ROLE"

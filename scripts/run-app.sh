#!/usr/bin/env bash
# `make run`: builds the frontend, starts the local Functions host (embedded PostgreSQL and demo
# data unless DATABASE_URL is set) on :7071 and the Static Web Apps emulator on :4280, which
# serves the app and proxies /api to the host. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd frontend && npm run build)
.venv/bin/python -m devhost --port 7071 --app-logs-requests &
api=$!
trap 'kill $api 2>/dev/null; wait $api 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 120); do
  curl -fsS -o /dev/null http://127.0.0.1:7071/api/health 2>/dev/null && break
  kill -0 $api 2>/dev/null || { echo "the API host stopped; see its output above" >&2; exit 1; }
  sleep 0.5
done
echo "IE Bank: http://127.0.0.1:4280 (API on http://127.0.0.1:7071/api)"
cd frontend && npm run serve

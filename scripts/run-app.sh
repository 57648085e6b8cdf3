#!/usr/bin/env bash
# `make run`: builds the frontend, starts the local Functions host (embedded PostgreSQL and demo
# data unless DATABASE_URL is set) on :7071 and the Static Web Apps emulator on :4280, which
# serves the app and proxies /api to the host. Ctrl-C stops both.
#
# What a newcomer needs (the app's address and the demo sign-ins) is printed last, once the
# emulator answers through to the API, so it is not scrolled away by the host's route list or the
# emulator's banner. Both logs are kept in .data/run/.
set -euo pipefail
cd "$(dirname "$0")/.."
APP_URL=http://127.0.0.1:4280
API_URL=http://127.0.0.1:7071
logs=.data/run
mkdir -p "$logs"

(cd frontend && npm run build)

api=""
swa=""
stop() {
  # The emulator runs in its own process group (npm → swa → its proxy): stop the whole group.
  [ -n "$swa" ] && kill -- -"$swa" 2>/dev/null && wait "$swa" 2>/dev/null
  [ -n "$api" ] && kill "$api" 2>/dev/null && wait "$api" 2>/dev/null
  return 0
}
trap stop EXIT
trap 'exit 130' INT TERM

# The host's requests stay on screen (and in its log); the emulator's chatter goes to its log.
.venv/bin/python -m devhost --port 7071 --app-logs-requests > >(tee "$logs/api.log") 2>&1 &
api=$!
wait_for() { # url, pid, name, log, show-tail (the host's output is already on screen)
  for _ in $(seq 1 240); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || {
      echo "$3 stopped; its log: $4" >&2
      [ "${5:-}" = tail ] && tail -n 30 "$4" >&2
      exit 1
    }
    sleep 0.5
  done
  echo "$3 did not answer at $1 within 2 minutes; its log: $4" >&2
  exit 1
}
wait_for "$API_URL/api/health" "$api" "the API host" "$logs/api.log"

setsid bash -c 'cd frontend && exec npm run serve' > "$logs/swa.log" 2>&1 &
swa=$!
wait_for "$APP_URL/" "$swa" "the Static Web Apps emulator" "$logs/swa.log" tail
wait_for "$APP_URL/api/health" "$swa" "the emulator's proxy to the API" "$logs/swa.log" tail

# The demo sign-ins are in the host's banner, between "demo users" and "Ctrl+C".
credentials=$(sed -n '/demo users (local data only):/,/Ctrl+C/{/Ctrl+C/!p}' "$logs/api.log")
{
  echo
  echo "================================================================"
  echo " IE Bank is up: http://localhost:4280 (passkeys need the name, not 127.0.0.1)"
  echo "   API: $API_URL/api   logs: $logs/api.log, $logs/swa.log"
  echo "   email the app sent (password-reset links): $API_URL/_dev/mail"
  if [ -n "$credentials" ]; then
    echo "$credentials"
  else
    echo "  sign in as ADMIN_USERNAME (DATABASE_URL is set: no demo users)"
  fi
  echo " Ctrl+C stops the app."
  echo "================================================================"
}
wait "$swa"

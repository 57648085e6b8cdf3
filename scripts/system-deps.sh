#!/usr/bin/env bash
# Installs the Debian packages the test suites drive, when they are missing:
# chromium (browser tests), pgbouncer (transaction-pooling tests), wrk (benchmarks).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || [ -n "${PLAYWRIGHT_CHROMIUM_EXECUTABLE:-}" ] || missing+=(chromium)
[ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null 2>&1 || missing+=(pgbouncer)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "system-deps: missing ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

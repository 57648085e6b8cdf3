#!/usr/bin/env bash
# azd prepackage hook of the web service: build the SPA into frontend/dist with its Static Web Apps
# configuration beside it (the pipeline passes config_file_location instead).
# DRY_RUN=1 prints the commands instead of running them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../frontend"
run() { if [[ "${DRY_RUN:-}" == 1 ]]; then echo "dry run: $*"; else "$@"; fi; }
run npm ci --no-audit --no-fund
run npm run build
run cp staticwebapp.config.json dist/staticwebapp.config.json

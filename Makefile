# IE Bank: every command a developer, CI or an operator runs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)
NPM_STAMP := frontend/node_modules/.installed-$(shell sha256sum frontend/package-lock.json 2>/dev/null | cut -c1-12)
PORT ?= 7071

.PHONY: help venv system-deps frontend-deps run api test lint test-python test-frontend infra-check \
        migrate create-admin seed-demo reconcile openapi soak bench screenshots clean

help:  ## list the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(VENV_STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(VENV_STAMP)  ## create .venv with the app's and the tools' Python packages

system-deps:  ## Debian packages the tests use (chromium, pgbouncer, wrk), installed when missing
	bash scripts/system-deps.sh

$(NPM_STAMP): frontend/package-lock.json
	cd frontend && npm ci --ignore-scripts --no-audit --no-fund
	@rm -f frontend/node_modules/.installed-* && touch $@

frontend-deps: $(NPM_STAMP)  ## install the frontend's npm packages from the lock file

run: venv frontend-deps  ## the whole app at http://localhost:4280 (embedded PostgreSQL, demo data)
	bash scripts/run-app.sh

api: venv  ## the API alone on $PORT (default 7071): DATABASE_URL when set, else embedded PostgreSQL
	PORT=$(PORT) $(PY) -m devhost --port $(PORT) --app-logs-requests $(if $(DATABASE_URL),--migrate,)

test: venv system-deps lint infra-check test-python test-frontend  ## everything CI checks
	@echo "make test: all checks passed"

lint: venv  ## ruff, mypy, bandit, actionlint and the workflow rules
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy functions shared
	$(VENV)/bin/bandit -q -r functions shared --severity-level high
	bash .github/lint/run.sh
	$(VENV)/bin/pytest -q tests/workflows

test-python: venv  ## pytest: unit, integration (real PostgreSQL), API over HTTP, devhost
	$(VENV)/bin/pytest -q --ignore=tests/workflows --ignore=tests/infra tests

test-frontend: venv frontend-deps  ## frontend typecheck, lint, unit tests, build, budgets, browser tests
	cd frontend && npm run typecheck && npm run lint && npm run test:unit && npm run build \
	  && npm run check:budget && npm run check:api \
	  && E2E_SCREENSHOT_DIR=$${E2E_SCREENSHOT_DIR:-$(CURDIR)/frontend/test-results/screenshots} npm run test:e2e

screenshots: venv frontend-deps  ## refresh the README's screenshots (frontend/e2e/screenshots) from a browser run
	cd frontend && npm run build && E2E_SCREENSHOT_DIR=$(CURDIR)/frontend/e2e/screenshots npm run test:e2e

infra-check: venv  ## Bicep parse, parameter files, infrastructure rules, checkov (offline)
	bash infra/check.sh

soak: venv  ## the bank test at soak size (BANK_TEST_TRANSFERS, default 50000); figures in docs/reliability.md
	RELIABILITY_RUN=soak BANK_TEST_TRANSFERS=$${BANK_TEST_TRANSFERS:-50000} \
	  $(VENV)/bin/pytest -q tests/reliability/test_bank_invariants.py

bench: venv system-deps  ## benchmarks (transfers vs pgbench, login, history, cold start, memory, concurrency) -> docs/benchmarks.md, ~15 min
	$(PY) -m bench

migrate: venv  ## apply pending database migrations (DATABASE_URL)
	$(PY) -m ops migrate

create-admin: venv  ## create or update the admin from ADMIN_USERNAME / ADMIN_PASSWORD
	$(PY) -m ops create-admin

seed-demo: venv  ## demo users and accounts (never in prod)
	$(PY) -m ops seed-demo

reconcile: venv  ## check every balance against the ledger; non-zero exit on a difference
	$(PY) -m ops reconcile

openapi: venv  ## print the OpenAPI document
	@$(PY) -m ops openapi

clean:  ## remove local data, virtual environments and build output
	rm -rf .data $(VENV) .venv-infra frontend/node_modules frontend/dist

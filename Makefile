# Safety Hotline — every target a person or CI needs. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_FLAGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test test-unit test-resilience test-e2e chromium lint typecheck format demo graph messages backup restore clean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

var:
	mkdir -p var

run: $(STAMP) var ## Migrate, load demo data, serve on http://127.0.0.1:8000 with the task worker (Ctrl-C stops both)
	$(MANAGE) migrate --no-input
	$(MANAGE) load_demo
	$(MANAGE) serve --host $(HOST) --port $(PORT)

demo: $(STAMP) var ## Load the demo district and users (idempotent)
	$(MANAGE) migrate --no-input
	$(MANAGE) load_demo

test: $(STAMP) var lint typecheck test-unit test-resilience test-e2e ## Lint, type-check and run the whole suite

test-unit: $(STAMP) var ## The suite without the browser and fault tests
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -p no:playwright tests --ignore=tests/e2e --ignore=tests/resilience $(PYTEST_FLAGS)

test-resilience: $(STAMP) ## Fault tests on real processes with a private PostgreSQL and Redis (needs root for a tmpfs; ~3 min)
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -p no:playwright tests/resilience $(PYTEST_FLAGS)

test-e2e: $(STAMP) var chromium ## Browser and live-server tests (headless Chromium)
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest tests/e2e $(PYTEST_FLAGS)

chromium: ## Debian's chromium for the browser tests (installed with apt when missing and run as root)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "The browser tests need Debian's chromium: sudo apt-get install -y chromium"; exit 1; fi; }

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## Apply ruff formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP) ## mypy with the Django and DRF plugins
	$(BIN)/mypy .

graph: $(STAMP) ## Regenerate docs/case-lifecycle.md from the model's transitions
	$(MANAGE) lifecycle_graph > docs/case-lifecycle.md

messages: $(STAMP) ## Extract and compile translations (zh-hans, en)
	$(MANAGE) makemessages -l zh_Hans -l en --ignore '.venv/*' --ignore 'var/*'
	$(MANAGE) compile_translations

backup: $(STAMP) var ## Database + media into var/backups/hotline-<time>.tar.gz with a manifest (keys are NOT included)
	$(MANAGE) backup

restore: $(STAMP) ## Restore ARCHIVE=var/backups/….tar.gz into an empty database and media directory, then verify it
	@test -n "$(ARCHIVE)" || { echo "Usage: make restore ARCHIVE=var/backups/hotline-….tar.gz"; exit 2; }
	$(MANAGE) restore $(ARCHIVE)

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var

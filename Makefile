# MediaNest: `make run` to try it, `make test` to run every test. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/medianest/web/static/vendor
CHROMIUM ?= /usr/bin/chromium
SERVICES_ENV := MEDIANEST_TEST_DATABASE_URL=postgresql://127.0.0.1:5432/test MEDIANEST_TEST_REDIS_URL=redis://127.0.0.1:6379/0

.PHONY: run demo test test-services lint format assets browser clean bench

run: $(VENV)/.run-deps assets ## install everything and start MediaNest on its embedded defaults
	$(BIN)/medianest serve

demo: $(VENV)/.run-deps assets ## start MediaNest wired to its built-in demo services
	$(BIN)/medianest demo

test: $(VENV)/.test-deps assets browser ## install test dependencies and run the whole suite
	MEDIANEST_CHROMIUM=$(CHROMIUM) $(BIN)/pytest

test-services: $(VENV)/.test-deps assets browser ## the suite against PostgreSQL + Redis on this machine
	$(SERVICES_ENV) MEDIANEST_CHROMIUM=$(CHROMIUM) $(BIN)/pytest

lint: $(VENV)/.test-deps ## formatting, lint, types and layer contracts
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(VENV)/.test-deps
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(VENV)/.test-deps assets
	$(BIN)/python -m bench

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "MediaNest needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.test-deps: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.run-deps

# Front-end packages come from npm (package-lock.json) and are copied next to our own static files.
assets: $(VENDOR)/.stamp

$(VENDOR)/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx-ext-sse/dist/sse.min.js $(VENDOR)/
	@touch $@

# Browser tests drive Debian's Chromium through Playwright (no browser download).
browser:
	@test -x $(CHROMIUM) || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache

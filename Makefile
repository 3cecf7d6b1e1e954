# MediaNest: `make run` to try it, `make test` to run every test. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/medianest/web/static/vendor
CHROMIUM ?= /usr/bin/chromium
UV_VERSION := 0.13.10
UV := $(BIN)/uv
UV_PIP := $(UV) pip install --quiet --python $(BIN)/python
# Every installed module and ours, compiled once at install: where PYTHONDONTWRITEBYTECODE is set
# (containers often set it) Python would otherwise compile them again at each start, which took
# longer than the rest of `medianest serve`'s start-up.
COMPILE := $(BIN)/python -m compileall -q -j 0 $$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))') src/medianest >/dev/null
LOCK := $(UV) pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --quiet --custom-compile-command "make lock"
YT_DLP_TESTS := tests/integration/test_downloads_flow.py tests/integration/test_downloads_control.py tests/integration/test_downloads_workers.py tests/integration/test_downloads_live.py tests/contract/test_media_host_fake.py
SERVICES_ENV := MEDIANEST_TEST_DATABASE_URL=postgresql://127.0.0.1:5432/test MEDIANEST_TEST_REDIS_URL=redis://127.0.0.1:6379/0

.PHONY: run demo test test-services lint format assets browser wrk clean bench lock upgrade-yt-dlp

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

bench: $(VENV)/.test-deps assets wrk
	$(BIN)/python -m bench

# Python packages come from the lock files in requirements/ (exact versions and hashes), installed by uv.
$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "MediaNest needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(UV): | $(VENV)/bin/python
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.run-deps: requirements/run.txt pyproject.toml Makefile | $(UV)
	$(UV_PIP) --require-hashes -r requirements/run.txt
	$(UV_PIP) --no-deps -e .
	$(COMPILE)
	@touch $@

$(VENV)/.test-deps: requirements/test.txt pyproject.toml Makefile | $(UV)
	$(UV_PIP) --require-hashes -r requirements/test.txt
	$(UV_PIP) --no-deps -e .
	$(COMPILE)
	@touch $@ $(VENV)/.run-deps

# After editing pyproject.toml: `make lock` keeps every pinned version it can; `make lock UPGRADE=1`
# moves every package to the newest release its range allows.
lock: | $(UV)
	$(LOCK) $(if $(UPGRADE),--upgrade) -o requirements/run.txt
	$(LOCK) $(if $(UPGRADE),--upgrade) --extra test -o requirements/test.txt

# Sites change weekly and yt-dlp follows: move it alone to its newest release, then run the
# download and URL-guard tests, which exercise the yt-dlp internals MediaNest leans on.
upgrade-yt-dlp: | $(UV)
	$(LOCK) --upgrade-package yt-dlp -o requirements/run.txt
	$(LOCK) --upgrade-package yt-dlp --extra test -o requirements/test.txt
	$(MAKE) $(VENV)/.test-deps
	$(BIN)/pytest -q $(YT_DLP_TESTS)

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

# The HTTP benchmark (bench/bench_wrk.py) drives Debian's wrk.
wrk:
	@command -v wrk >/dev/null || { \
	  echo "Installing Debian's wrk for the HTTP benchmark"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache

# Distans: two commands for a newcomer.
#   make demo   the product with demo data and live traffic at http://127.0.0.1:8000
#   make test   the whole suite: ruff, mypy (strict on the core), import rules, pytest
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LOCALE := src/distans/locale
PO_FILES := $(shell find src/distans -name "*.po" -path "*/LC_MESSAGES/*")
MO_FILES := $(PO_FILES:.po=.mo)
PG_URL ?= postgresql://postgres@127.0.0.1:5432/distans_test_$(shell echo $$PPID)

.PHONY: test-checks test-live telephony-install jssip pytest-telephony demo test install messages lint typecheck pytest pytest-postgres bench clean screenshots

install: $(STAMP) $(MO_FILES)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

messages: $(STAMP)  ## re-extract translatable strings into the .po files (developers)
	$(BIN)/python scripts/update_messages.py

# The telephony gateway (Kamailio, rtpengine) and what its tests use (baresip, SIPp,
# espeak-ng and sox for the prompts), from Debian with apt; needs root. See
# docs/dev/telephony.md. Without them the demo uses the phone simulator and the SIP
# tests skip.
TELEPHONY_PACKAGES := kamailio kamailio-websocket-modules kamailio-tls-modules \
	kamailio-json-modules kamailio-extra-modules kamailio-utils-modules \
	rtpengine-daemon baresip sip-tester espeak-ng sox
telephony-install:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(TELEPHONY_PACKAGES) >/dev/null

# The desk's softphone library, JsSIP (CommonJS only), bundled for the browser; the
# bundle is committed, so only whoever upgrades JsSIP runs this (needs npm).
JSSIP_VERSION := 3.10.9
jssip:
	rm -rf var/jssip-build && mkdir -p var/jssip-build
	cd var/jssip-build && npm install --no-audit --no-fund --silent jssip@$(JSSIP_VERSION) esbuild@0.20 >/dev/null \
	  && echo "window.JsSIP = require('jssip');" > entry.js \
	  && ./node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --outfile=jssip.min.js
	(echo "/*! JsSIP $(JSSIP_VERSION) - MIT licence, (c) José Luis Millán, Iñaki Baz Castillo and others, https://jssip.net - bundled for the browser with esbuild by \`make jssip\` (no CDN) */"; \
	  cat var/jssip-build/jssip.min.js) > src/distans/telephony/static/telephony/jssip.min.js

demo: install
	$(BIN)/distans demo

# The pictures in docs/img (README): a fresh demo with its traffic, Chromium, a minute
# or two. Only this target writes them; the tests do not.
screenshots: install
	$(BIN)/python scripts/screenshots.py

define LINT
$(BIN)/ruff check src tests bench
$(BIN)/lint-imports
endef
lint: install
	$(LINT)

define TYPECHECK
$(BIN)/mypy
$(BIN)/python scripts/typecheck_ratchet.py
endef
typecheck: install
	$(TYPECHECK)

# The pure core's tests run without Django at all; then everything else.
pytest: install
	$(BIN)/python -m pytest -q -p no:django tests/core
	$(BIN)/python -m pytest -q --ignore=tests/core --ignore=tests/telephony
	$(MAKE) --no-print-directory pytest-telephony

# The suite in two streams, one per core (`make test`). Most of the browser stream's
# time is spent waiting on other processes (the demo servers, Chromium, the deploy
# shape's nginx), so it runs beside the CPU-bound stream: the checks, the core, the
# web side on SQLite and then PostgreSQL, the concurrency tests, real SIP calls.
# Each stream's output is printed when it ends (make --output-sync).
LIVE_TESTS := tests/browser tests/deploy tests/mailserver
test-checks: install
	$(LINT)
	$(TYPECHECK)
	$(BIN)/python -m pytest -q -p no:django tests/core
	$(BIN)/python -m pytest -q --ignore=tests/core --ignore=tests/telephony $(addprefix --ignore=,$(LIVE_TESTS))
	$(PYTEST_POSTGRES)
	$(PYTEST_TELEPHONY)

test-live: install $(AXE)
	$(BIN)/python -m pytest -q $(LIVE_TESTS)

# Real SIP calls (Kamailio, rtpengine, baresip, Chromium): as root in a network namespace
# with only loopback, so every packet stays local; otherwise on 127.0.0.1 (they skip
# without the programs: `make telephony-install`).
PYTEST_TELEPHONY = scripts/in_loopback_netns.sh $(BIN)/python -m pytest -q tests/telephony
pytest-telephony: install
	$(PYTEST_TELEPHONY)

# The web side once more against PostgreSQL (the core needs no database; tests/concurrency
# already runs on PostgreSQL; the browser tests drive the embedded SQLite demo).
PYTEST_POSTGRES = DATABASE_URL=$(PG_URL) DISTANS_TEST_DB=postgres $(BIN)/python -m pytest -q tests/web; rc=$$?; if [ $$rc -eq 5 ]; then exit 0; else exit $$rc; fi
pytest-postgres: install
	$(PYTEST_POSTGRES)

# axe-core (accessibility checks inside the browser tests) from the npm registry into a
# git-ignored node_modules; without npm the axe checks skip with a one-line reason.
AXE := node_modules/axe-core/axe.min.js
$(AXE):
	@if command -v npm >/dev/null 2>&1; then npm install --no-save --no-audit --no-fund --silent axe-core@4 >/dev/null; \
	else echo "npm not found: accessibility (axe-core) checks will be skipped"; fi

test: install $(AXE)
	$(MAKE) --no-print-directory -j2 --output-sync=target test-checks test-live

bench: install
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f; done

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache

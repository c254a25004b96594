# Two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
ORG    ?= examples/jamtland.yaml
# The shared indicators for every example county (a per-unit target for a unit the org lacks
# is a warning); fictitious example values for Jämtland, so the first digest shows some.
INDICATORS ?= examples/indicators.yaml
VALUES     ?= $(if $(filter examples/jamtland.yaml,$(ORG)),examples/jamtland_values.csv)
# Local mode for the Agents Playground (.m365agentsplayground.yml): its own user, Åsa Lind,
# is the administrator; its other example people have the roles $(ORG) gives them
# (`make run LOCAL_ADMINS=`: everyone is). Only without credentials: see infra/settings.py.
LOCAL_ADMINS  ?= 00000000-0000-4000-8000-0000000000a0
# The playground's client says en-US whoever uses it: answer in Swedish unless asked otherwise.
FOLLOW_LOCALE ?= false
NPM    := npm --no-audit --no-fund --loglevel=error

# Pinned dependencies: requirements-dev.lock (runtime + dev, what make installs),
# requirements.lock (runtime only, for a deployment) and requirements-bootstrap.lock (pip and
# setuptools alone), with hashes, for CPython 3.11 on x86_64 Linux. pyproject.toml keeps the
# ranges; `make lock` re-resolves the locks from it.
BOOT_LOCK  := requirements-bootstrap.lock
DEV_LOCK   := requirements-dev.lock
LOCK       := requirements.lock
TOOLS      := .venv-tools
UV_VERSION := 0.13.9
LOCK_FLAGS := --quiet --generate-hashes --python-version 3.11 --python-platform linux \
	--custom-compile-command "make lock"

.PHONY: run playground test lint dupes typecheck unit e2e bench node nginx clean lock screenshots

# Only what the locks name, each file checked against its hash: first the locked pip (it
# installs the rest with half the CPU of Python 3.11's bundled one), then the dev set, then the
# project alone, built by the locked setuptools (no isolated build fetching its own). pip check
# fails if pyproject.toml asks for something the lock lacks: run `make lock` then.
$(STAMP): $(BOOT_LOCK) $(DEV_LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes -r $(BOOT_LOCK)
	$(BIN)/python -m pip install -q --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

## make lock: re-resolve the locks from pyproject.toml, keeping today's pins where they still
## fit (UPGRADE=1: newest allowed versions; UPGRADE_PACKAGE=name: just that one). Commit them.
# The other two are resolved within the dev lock, so tests run the versions that ship.
lock: $(TOOLS)/bin/uv
	$(TOOLS)/bin/uv pip compile pyproject.toml --extra dev --group bootstrap $(LOCK_FLAGS) \
		$(if $(UPGRADE),--upgrade)$(if $(UPGRADE_PACKAGE), --upgrade-package $(UPGRADE_PACKAGE)) -o $(DEV_LOCK)
	$(TOOLS)/bin/uv pip compile pyproject.toml --group bootstrap -c $(DEV_LOCK) $(LOCK_FLAGS) -o $(LOCK)
	$(TOOLS)/bin/uv pip compile --group pyproject.toml:bootstrap -c $(DEV_LOCK) $(LOCK_FLAGS) \
		-o $(BOOT_LOCK)

# The lock tool lives in its own venv, so it never enters the project's pinned one.
$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install -q uv==$(UV_VERSION)

manifest/node_modules/.stamp: manifest/package-lock.json
	$(NPM) ci --prefix manifest
	touch $@

tests/e2e/node_modules/.stamp: tests/e2e/package-lock.json
	$(NPM) ci --prefix tests/e2e
	touch $@

node: manifest/node_modules/.stamp tests/e2e/node_modules/.stamp

## make run: migrate, load the Jämtland org, its indicators and example values into an empty
## database, serve on 127.0.0.1:3978
run: $(STAMP)
	mkdir -p var
	$(BIN)/samverkan db upgrade
	$(BIN)/samverkan org load $(ORG) --if-empty
	$(if $(INDICATORS),$(BIN)/samverkan indicators define $(INDICATORS) --if-empty)
	$(if $(VALUES),$(BIN)/samverkan indicators import $(VALUES) --if-empty)
	SAMVERKAN_LOCAL_ADMINS=$(LOCAL_ADMINS) SAMVERKAN_FOLLOW_LOCALE=$(FOLLOW_LOCALE) \
		$(BIN)/samverkan serve

## make playground [WHO=Eva]: the Agents Playground for `make run` (second terminal), as its
## own user Åsa (the administrator) or as another example person in .m365agentsplayground.yml
PLAYGROUND := npx --prefix tests/e2e agentsplayground -e http://127.0.0.1:3978/api/messages \
	-c msteams --disable-telemetry
playground: $(STAMP) tests/e2e/node_modules/.stamp
	$(if $(WHO),mkdir -p var && $(BIN)/python -m tests.e2e.playground "$(WHO)" > var/playground.yml)
	M365_AGENTS_PLAYGROUND_CONFIG_PATH=$(if $(WHO),var/playground.yml,.m365agentsplayground.yml) \
		$(PLAYGROUND)

## nginx for tests/cluster (three instances behind it): Debian's package, installed when
## missing and we are root with apt-get; otherwise a notice (with CI=true the test fails).
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || \
	{ if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -q --no-install-recommends nginx >/dev/null || \
	    { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends nginx >/dev/null; }; \
	  else echo "notice: tests/cluster needs nginx (apt-get install nginx)" >&2; fi; }

## make test: lint, types, and every test on SQLite and PostgreSQL, end to end included
test: $(STAMP) node nginx
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(MAKE) --no-print-directory dupes
	# The PostgreSQL restart test runs alone, first: it restarts the shared server.
	$(BIN)/pytest -q -m pg_restart tests/resilience/test_pg_restart.py
	# Two workers: most tests wait on sockets and subprocesses, so this halves the wall time.
	$(BIN)/pytest -q -n 2 -m "not pg_restart"

lint: $(STAMP) dupes
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## make dupes: no block of six or more lines copied between modules (pylint's duplicate-code
## check over the app, bench and the screenshot gallery; tests and migrations left out).
DUPES_PATHS := bot cards cli clients core delivery i18n infra runtime scheduler services storage bench docs/screenshots/gallery.py
dupes: $(STAMP)
	$(BIN)/pylint $(DUPES_PATHS)

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

## make screenshots: the cards as Teams draws them (its light, dark and high-contrast host
## configs, Microsoft's Adaptive Cards renderer, headless Chromium) into docs/screenshots/.
## Not part of `make test`. Installs Debian's chromium first if missing (as root).
SHOTS    := docs/screenshots
CHROMIUM ?= /usr/bin/chromium
$(SHOTS)/node_modules/.stamp: $(SHOTS)/package-lock.json
	$(NPM) ci --prefix $(SHOTS)
	touch $@

screenshots: $(STAMP) $(SHOTS)/node_modules/.stamp
	@test -x $(CHROMIUM) || { test "$$(id -u)" = 0 || { echo "chromium missing: run as root, or apt-get install chromium"; exit 1; }; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-liberation; }
	rm -rf var/screenshots
	$(BIN)/python $(SHOTS)/gallery.py var/screenshots
	CHROMIUM=$(CHROMIUM) node $(SHOTS)/render.mjs var/screenshots $(SHOTS)

clean:
	rm -rf $(VENV) $(TOOLS) var manifest/node_modules tests/e2e/node_modules $(SHOTS)/node_modules .pytest_cache .mypy_cache .ruff_cache

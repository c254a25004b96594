# Two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
ORG    ?= examples/jamtland.yaml
NPM    := npm --no-audit --no-fund --loglevel=error

.PHONY: run test lint typecheck unit e2e bench node clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

manifest/node_modules/.stamp: manifest/package-lock.json
	$(NPM) ci --prefix manifest
	touch $@

tests/e2e/node_modules/.stamp: tests/e2e/package-lock.json
	$(NPM) ci --prefix tests/e2e
	touch $@

node: manifest/node_modules/.stamp tests/e2e/node_modules/.stamp

## make run: migrate, load the Jämtland org into an empty database, serve on 127.0.0.1:3978
run: $(STAMP)
	mkdir -p var
	$(BIN)/samverkan db upgrade
	$(BIN)/samverkan org load $(ORG) --if-empty
	$(BIN)/samverkan serve

## make test: lint, types, and every test on SQLite and PostgreSQL, end to end included
test: $(STAMP) node
	$(BIN)/ruff check .
	$(BIN)/mypy
	# The PostgreSQL restart test runs alone, first: it restarts the shared server.
	$(BIN)/pytest -q -m pg_restart tests/resilience/test_pg_restart.py
	$(BIN)/pytest -q -m "not pg_restart"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var manifest/node_modules tests/e2e/node_modules .pytest_cache .mypy_cache .ruff_cache

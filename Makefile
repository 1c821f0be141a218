# The two commands: `make run` and `make test`. Both create .venv and install the hub
# and every plugin in plugins/ (editable) first; nothing else is needed but Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLUGIN_DIRS := $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml))
STAMP := $(VENV)/.installed

.PHONY: run test fuzz bench install lint migration clean screenshots

$(STAMP): pyproject.toml $(wildcard plugins/*/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip "setuptools>=68" wheel
	$(BIN)/pip install --quiet -e ".[test]" $(foreach p,$(PLUGIN_DIRS),-e ./$(p))
	touch $(STAMP)

install: $(STAMP)

## Start the hub on SQLite (./hub.db) with the demo clinic, on http://127.0.0.1:8000
run: install
	HUB_DEV=1 $(BIN)/hub demo
	HUB_DEV=1 $(BIN)/hub serve --host 127.0.0.1 --port 8000

## The whole suite: the hub and every plugin (PostgreSQL too when HUB_TEST_POSTGRES_URL is set)
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

## A longer schemathesis run over every /api/v1 route (FUZZ_EXAMPLES per operation and mode)
FUZZ_EXAMPLES ?= 50
fuzz: install
	HUB_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) HUB_FUZZ_BUDGET=0 $(BIN)/pytest -q -p no:randomly tests/api/test_schemathesis.py

## Benchmarks; results go to bench/results/
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

## Refresh the screenshots in docs/images/ (the browser tests; needs Debian's chromium)
screenshots: install
	HUB_SCREENSHOTS_DIR=docs/images HUB_REQUIRE_BROWSER=1 HUB_TEST_POSTGRES_URL= \
		$(BIN)/pytest -q -p no:randomly -k sqlite tests/web/test_answer_browser.py tests/web/admin/test_admin_browser.py

lint: install
	$(BIN)/pip install --quiet ruff mypy
	$(BIN)/ruff check hub plugins tests bench
	$(BIN)/mypy hub
	for p in $(PLUGIN_DIRS); do MYPYPATH=$$p $(BIN)/mypy -p hub_$$(basename $$p) || exit 1; done

## Regenerate the base migration from the models (before 1.0 only)
migration: install
	$(BIN)/python scripts/make_base_migration.py

clean:
	rm -rf $(VENV) hub.db hub.db-* hub.db.worker.lock .hub-secret.key .hub-admin-token

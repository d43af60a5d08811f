# Valbar. `make demo` runs the product on the embedded default; `make test` runs the tests.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1

.PHONY: browser-deps demo test test-unit test-integration lint bench install clean

# constraints.txt: the versions the suite last passed with (a new release upstream cannot
# break a fresh install or CI; refresh it deliberately).
$(BIN)/valbar: pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(BIN)/valbar

install: $(BIN)/valbar

# The tests also cover the optional semantic extra (torch is pinned to the CPU build).
$(VENV)/.semantic: $(BIN)/valbar
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev,semantic]"
	touch $@

demo: install
	$(BIN)/valbar demo

# Browser tests drive Debian's Chromium (never a downloaded browser build).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
	  || [ "$$CI" != "true" ] || { echo "chromium could not be installed" >&2; exit 1; }

# The suite runs on TEST_WORKERS processes (pytest-xdist), one test file per process at a
# time: module fixtures are built once, and PostgreSQL schemas, Redis prefixes, ports and
# data dirs are per test, so files never share state.
TEST_WORKERS ?= 2

test: install $(VENV)/.semantic browser-deps
	$(BIN)/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile --durations=30 tests

test-unit: install
	$(BIN)/pytest -q tests/unit

test-integration: install
	$(BIN)/pytest -q tests/integration

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy catalog indexer search ranking marketplace loyalty api ui valbar bench
	$(BIN)/lint-imports  # the layer order: [tool.importlinter] in pyproject.toml

bench: install
	$(BIN)/python -m bench.matching --dataset ../shared/data/matching/abt-buy
	$(BIN)/python -m bench.matching --dataset ../shared/data/matching/amazon-google
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.http
	$(BIN)/python -m bench.loyalty
	$(BIN)/python -m bench.offers_api

clean:
	rm -rf var build *.egg-info .pytest_cache .mypy_cache .ruff_cache

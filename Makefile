# Model Studio. `make run` serves the app; `make test` runs every check. Both set up .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
ADDRESS ?= 127.0.0.1

.PHONY: run test test-fast test-postgres lint bench bench-quick bench-catalog bench-dataset bench-metrics bench-load bench-browser bench-invoke bench-evaluation bench-burst bench-gateway screenshots docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# The data check's compiled fast path (services/datasets/_scan.c): without a C compiler the app still runs
# (the Python path, slower, same answers); `make test` then fails in tests/unit/datasets/test_scan.py.
$(VENV)/.scan: services/datasets/_scan.c build_scan.py | $(BIN)/python
	$(BIN)/python build_scan.py || echo "build_scan: not compiled; the data check takes the Python path"
	touch $@

run: $(VENV)/.runtime $(VENV)/.scan
	$(BIN)/python -m services.settings --address $(ADDRESS)
	$(BIN)/python -m webserver.launch --address $(ADDRESS) --port $(PORT)

lint: $(VENV)/.dev $(VENV)/.scan
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(VENV)/.dev $(VENV)/.scan lint
	$(BIN)/python -m pytest

# The unit tier alone: no server, no browser, no process started (well under a minute).
test-fast: $(VENV)/.dev $(VENV)/.scan
	$(BIN)/python -m pytest tests/unit -q -m "not process"

# Every benchmark at full size (minutes); bench-quick runs each in a few seconds (CI: a broken
# benchmark fails the build, no target is asserted).
bench: $(VENV)/.dev $(VENV)/.scan bench-catalog bench-dataset bench-metrics bench-load bench-browser bench-invoke bench-evaluation bench-burst bench-gateway

bench-quick: $(VENV)/.dev $(VENV)/.scan
	$(BIN)/python bench/catalog.py --quick
	$(BIN)/python bench/dataset.py --quick
	$(BIN)/python bench/metrics.py --quick
	$(BIN)/python bench/load.py --quick
	$(BIN)/python bench/browser.py --quick
	$(BIN)/python bench/invoke.py --quick
	$(BIN)/python bench/evaluation.py --quick
	$(BIN)/python bench/burst.py --quick
	$(BIN)/python bench/gateway.py --quick

bench-catalog: $(VENV)/.dev $(VENV)/.scan
	$(BIN)/python bench/catalog.py

# The README's screenshots: the real-browser test, saving each page to docs/screenshots/.
screenshots: $(VENV)/.dev $(VENV)/.scan
	STUDIO_SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest tests/e2e -q

# The generated part of the docs: the configuration table from the Settings fields' descriptions.
docs: $(VENV)/.runtime
	$(BIN)/python docs/generate.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache services/datasets/_scan*.so

bench-dataset: $(VENV)/.dev $(VENV)/.scan
	$(BIN)/python bench/dataset.py

bench-metrics: $(VENV)/.dev $(VENV)/.scan
	$(BIN)/python bench/metrics.py

bench-load: $(VENV)/.dev $(VENV)/.scan
	$(BIN)/python bench/load.py

bench-browser: $(VENV)/.dev $(VENV)/.scan
	$(BIN)/python bench/browser.py

bench-invoke: $(VENV)/.dev $(VENV)/.scan
	$(BIN)/python bench/invoke.py

# The whole suite again with every test World on PostgreSQL (set STUDIO_TEST_DATABASE_URL).
test-postgres: $(VENV)/.dev $(VENV)/.scan
	STUDIO_TEST_WORLD_DATABASE_URL="$(STUDIO_TEST_DATABASE_URL)" $(BIN)/python -m pytest -m "not e2e" -q \
		--deselect tests/test_readme.py::test_the_benchmarks_run_in_their_quick_mode

bench-evaluation: $(VENV)/.dev $(VENV)/.scan
	$(BIN)/python bench/evaluation.py

bench-burst: $(VENV)/.dev $(VENV)/.scan
	$(BIN)/python bench/burst.py

bench-gateway: $(VENV)/.dev $(VENV)/.scan
	$(BIN)/python bench/gateway.py

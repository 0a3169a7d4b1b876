# Backprop Studio. `make run` opens the app, `make test` runs every check CI runs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

export QT_API := pyside6

.PHONY: run test test-all lint typecheck bench screenshot clean help

help:
	@echo "make run        open Backprop Studio on the note's 1-1-1-1 example"
	@echo "make test       ruff, mypy and the test suite (offscreen Qt)"
	@echo "make test-all   also the slow tests (long runs, stress)"
	@echo "make bench      engine, CSV and GUI benchmarks"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	$(BIN)/bpstudio

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy

# pytest exits 5 when nothing was collected: that is a failure, not a pass.
define run_pytest
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest $(1); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: no tests were collected"; exit 1; fi; exit $$rc
endef

test: lint typecheck
	$(call run_pytest,-m "not slow" -p no:cacheprovider)

test-all: lint typecheck
	$(call run_pytest,-p no:cacheprovider)

bench: $(VENV)/.dev
	$(PY) bench/engine.py
	@if [ -f bench/csv_import.py ]; then $(PY) bench/csv_import.py; fi
	@if [ -f bench/gui.py ]; then QT_QPA_PLATFORM=offscreen $(PY) bench/gui.py; fi

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis

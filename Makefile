# Backprop Studio. `make run` opens the app, `make test` runs every check CI runs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

export QT_API := pyside6

.PHONY: run test test-all lint typecheck bench package install-desktop screenshots icons clean help

help:
	@echo "make run        open Backprop Studio on the note's 1-1-1-1 example"
	@echo "make test       ruff, mypy and the test suite (offscreen Qt)"
	@echo "make test-all   also the slow tests (long runs, stress)"
	@echo "make bench      engine, CSV, GUI and start-up benchmarks (installs torch 2.13.0, CPU)"
	@echo "make package    the one-folder bundle dist/bpstudio/ (PyInstaller)"
	@echo "make install-desktop   the menu entry and icons for this user (EXEC=dist/bpstudio/bpstudio for the bundle)"
	@echo "make screenshots       regenerate the README's pictures"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.runtime

# The engine benchmark's reference. Exactly this pin: it is a CPU-only wheel where the
# index has one; a looser spec may pull a multi-gigabyte CUDA build instead.
$(VENV)/.bench: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]" torch==2.13.0
	@touch $@ $(VENV)/.dev $(VENV)/.runtime

$(VENV)/.packaging: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev,packaging]"
	@touch $@ $(VENV)/.dev $(VENV)/.runtime

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

# The slow tests build the bundle (PyInstaller, from the packaging extra) and a wheel.
test-all: lint typecheck $(VENV)/.packaging
	$(call run_pytest,-p no:cacheprovider)

bench: $(VENV)/.bench
	$(PY) bench/engine.py
	@if [ -f bench/csv_import.py ]; then $(PY) bench/csv_import.py; fi
	@if [ -f bench/gui.py ]; then QT_QPA_PLATFORM=offscreen $(PY) bench/gui.py; fi
	$(PY) bench/startup.py

package: $(VENV)/.packaging
	$(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller \
		packaging/bpstudio.spec
	@du -sh dist/bpstudio

EXEC ?=
install-desktop: $(VENV)/.runtime
	$(BIN)/bpstudio install-desktop $(if $(EXEC),--exec "$(abspath $(EXEC))")

# The README's pictures: a trained network, the weight with the largest gradient selected.
screenshots: $(VENV)/.runtime
	QT_QPA_PLATFORM=offscreen $(BIN)/bpstudio --screenshot docs/screenshot.png \
		--template spirals --train-steps 4000 --size 1600x1000
	QT_QPA_PLATFORM=offscreen $(BIN)/bpstudio --screenshot docs/screenshot-digits.png \
		--template digits --train-steps 3000 --size 1280x720

icons: $(VENV)/.runtime
	QT_QPA_PLATFORM=offscreen $(PY) packaging/make_icons.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis

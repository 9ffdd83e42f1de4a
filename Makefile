# Two entry points (README "Quick start"): `make run` and `make test`.
# Both create .venv from the hashed lock file on first use, so a fresh clone
# needs nothing but Python 3.11, make and git.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint format lock clean benchmark

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		--no-deps --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		--no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/public-protection run

test: $(STAMP) lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check python benchmarks
	$(BIN)/ruff format --check python benchmarks
	$(BIN)/sqlfluff lint models tests macros

format: $(STAMP)
	$(BIN)/ruff check --fix python benchmarks
	$(BIN)/ruff format python benchmarks

# Scales 1, 10 and 100 of the demo, every stage timed: writes benchmarks/results.md
# (about 20 minutes on 2 cores).
benchmark: $(STAMP)
	$(BIN)/python benchmarks/benchmark.py

# Regenerate the lock after changing dependencies in pyproject.toml (needs `uv`).
lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes \
		--python-version 3.11 --no-header -o requirements.lock

clean:
	rm -rf $(VENV) target logs .pytest_cache .ruff_cache

# Two entry points (README "Quick start"): `make run` and `make test`.
# Both create .venv from the hashed lock file on first use, so a fresh clone
# needs nothing but Python 3.11, make and git.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help setup run test test-fast lint format lock clean benchmark mutation lock-mutation lock-compat

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		--no-deps --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		--no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)  ## create .venv from the lock file

run: $(STAMP)  ## the whole pipeline on the demo (demo-data, load, build, validate, regress, report, publish)
	$(BIN)/public-protection run

# An older DuckDB in its own environment: the published files must open in it.
COMPAT_VENV := .venv-compat
$(COMPAT_VENV)/.installed: requirements-compat.lock
	rm -rf $(COMPAT_VENV)
	$(PYTHON) -m venv $(COMPAT_VENV)
	$(COMPAT_VENV)/bin/pip install --quiet --no-deps --require-hashes -r requirements-compat.lock
	touch $@

test: $(STAMP) lint $(COMPAT_VENV)/.installed  ## lint, then every test (the CI command)
	$(BIN)/pytest

# No dbt build, no calibration: the readers, loader, statistics and report pieces.
test-fast: $(STAMP)  ## the tests that need no dbt build and no calibration
	$(BIN)/pytest -m "not dbt and not calibration"

lint: $(STAMP)  ## ruff, function length (pyproject.toml lists the exceptions), sqlfluff
	$(BIN)/ruff check python benchmarks mutation tools
	$(BIN)/ruff format --check python benchmarks mutation tools
	$(BIN)/python tools/check_function_length.py
	$(BIN)/sqlfluff lint models tests macros analysis

format: $(STAMP)  ## ruff's fixes and formatting
	$(BIN)/ruff check --fix python benchmarks mutation tools
	$(BIN)/ruff format python benchmarks mutation tools

# Scales 1, 10 and 100 of the demo, every stage, the floors and each programme's
# load alone timed: writes benchmarks/results.md (about 25 minutes on 2 cores).
# `benchmarks/benchmark.py --compare COMMIT` measures the targets beside COMMIT
# (about 45 minutes).
benchmark: $(STAMP)  ## measure every stage at scales 1, 10, 100 (benchmarks/results.md)
	$(BIN)/python benchmarks/benchmark.py

# Mutation testing (cosmic-ray) of the disclosure, pseudonymisation, stepwise and
# loader modules against their own fast tests: writes mutation/results.md. Not part
# of `make test` (it takes long: see the results). It changes source files while it
# runs, so run it in a clone of its own. `make mutation TARGETS=disclosure` runs one.
MUTATION_VENV := .venv-mutation
$(MUTATION_VENV)/.installed: requirements.lock requirements-mutation.lock pyproject.toml
	$(PYTHON) -m venv $(MUTATION_VENV)
	$(MUTATION_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		--no-deps --require-hashes -r requirements.lock -r requirements-mutation.lock
	$(MUTATION_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		--no-deps --no-build-isolation -e .
	touch $@

mutation: $(MUTATION_VENV)/.installed  ## mutation testing of the critical modules (mutation/results.md; slow)
	$(MUTATION_VENV)/bin/python mutation/run.py $(TARGETS)

# The mutation tools' lock: packages the main lock already pins are left out.
lock-mutation:
	echo "cosmic-ray==8.7.0" > .mutation.in
	uv pip compile .mutation.in -c requirements.lock --generate-hashes \
		--python-version 3.11 --no-header -o .mutation.lock
	$(PYTHON) mutation/filter_lock.py .mutation.lock requirements.lock > requirements-mutation.lock
	rm -f .mutation.in .mutation.lock

# Regenerate the lock after changing dependencies in pyproject.toml (needs `uv`).
lock:  ## re-resolve requirements.lock
	uv pip compile pyproject.toml --extra dev --generate-hashes \
		--python-version 3.11 --no-header -o requirements.lock

# The older DuckDB's lock (one package, every wheel's hash).
lock-compat:
	echo "duckdb==1.1.3" > .compat.in
	uv pip compile .compat.in --generate-hashes --python-version 3.11 --no-header -o .compat.lock
	{ sed -n 1,2p requirements-compat.lock; cat .compat.lock; } > .compat.new
	mv .compat.new requirements-compat.lock
	rm -f .compat.in .compat.lock

clean:  ## remove the warehouse, outputs and caches
	rm -rf $(VENV) $(MUTATION_VENV) $(COMPAT_VENV) target logs .pytest_cache .ruff_cache

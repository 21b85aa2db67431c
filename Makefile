# Attest: two commands do all the set-up on a fresh machine.
#   make demo   - intake, collection and reports end to end on a local AWS (moto), via the functions' own binaries
#   make test   - every unit and integration test, plus template validation
#   make fuzz   - coverage-guided fuzzing, FUZZ_SECONDS (default 60) per target (docs/reliability.md)
#   make published-events - published AWS events against their docs (docs/published-events.md)
# Each creates .venv (pinned tooling from requirements-dev.txt) on first use.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Builds live outside the clone so repeated CI runs and local runs reuse them.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/attest/target
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export AWS_ACCESS_KEY_ID ?= testing
export AWS_SECRET_ACCESS_KEY ?= testing
export AWS_REGION ?= us-east-1
# Python with the pinned tools, for tests that check outputs with independent implementations
# (compliance-trestle for OSCAL, PDFium for how the PDF reads).
export ATTEST_PYTHON := $(CURDIR)/$(PY)

.PHONY: demo test venv build unit integration template lint bench fuzz published-events clean

venv: $(VENV)/.installed
$(VENV)/.installed: requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# One build serves both commands: the test build also builds every binary (the integration tests
# run them), with the same feature set, and the demo runs those binaries. After either command the
# other compiles nothing.
build:
	cargo test --workspace --all-targets --no-run

demo: venv build
	$(PY) scripts/demo.py

test: venv template build
	cargo test --workspace --all-targets

unit:
	cargo test --workspace --lib --bins

integration: venv
	cargo test --workspace --test '*'

template: venv
	$(PY) scripts/check_template.py
	$(VENV)/bin/cfn-lint infra/template.yaml
	$(PY) scripts/iam_test.py

TOOLS := $(HOME)/.cache/attest/tools
CARGO_DENY_VERSION := 0.18.9

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	@test -x $(TOOLS)/bin/cargo-deny || CARGO_TARGET_DIR=$(TOOLS)/target cargo install --locked cargo-deny --version $(CARGO_DENY_VERSION) --root $(TOOLS)
	$(TOOLS)/bin/cargo-deny check licenses bans sources

bench: venv
	bench/run.sh

# Not part of `test`: needs ../shared/fixtures/published-events (or ATTEST_PUBLISHED_EVENTS), which
# only a development machine has; without it the check says so and passes.
published-events: build
	$(PY) bench/check_published_events.py

# Not part of `test`: the fuzz crate has its own workspace, a nightly toolchain and a pinned
# cargo-fuzz, all installed by fuzz/run.sh if missing (into $(HOME)/.cache/attest/tools).
FUZZ_SECONDS ?= 60
fuzz: venv
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh

clean:
	rm -rf out $(VENV)

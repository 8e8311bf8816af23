# pocketstack: `make run` starts the cloud, `make test` runs the default suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DATA_DIR ?= ./data
HOST ?= 127.0.0.1
PORT ?= 8080

QEMU_PACKAGES := qemu-system-x86 qemu-utils busybox-static genisoimage linux-image-amd64 dropbear-bin dosfstools mtools novnc

.PHONY: run run-qemu qemu-deps test-qemu test dashboard browser-deps test-browser install install-test tempest tempest-stage1 tempest-stage2 tempest-stage3 tempest-compute tempest-network tempest-identity bench check clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## Command 1: set up and run the cloud (SQLite, fake driver, bootstrapped admin, flavors, images).
run: install
	$(VENV)/bin/pocketstack serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

## The same cloud booting real guests (QEMU): installs the Debian packages it needs first.
run-qemu: install qemu-deps
	$(VENV)/bin/pocketstack serve --driver qemu --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

## The Debian packages of the qemu driver (apt-get, as root), checked with dpkg-query first.
qemu-deps:
	@dpkg-query -W $(QEMU_PACKAGES) >/dev/null 2>&1 || \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(QEMU_PACKAGES) || \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(QEMU_PACKAGES))

## The real-guest tests (the `qemu` marker): a few boots, about 5 CPU-seconds each.
test-qemu: install-test qemu-deps
	$(PY) -m pytest -q -m "qemu and not slow" tests/qemu

## Command 2: set up and run the whole default test suite.
## Two workers (pytest-xdist): the scale-out tests share one of them (tests/conftest.py).
TEST_WORKERS ?= 2
test: install-test
	$(PY) -m pytest -q -m "not qemu and not slow and not browser and not fuzz" -n $(TEST_WORKERS) --dist loadgroup

## The dashboard: real Horizon for the cloud in DATA_DIR (set up on first use, in its own
## virtual environment under ~/.cache/pocketstack), on http://127.0.0.1:$(DASHBOARD_PORT).
DASHBOARD_PORT ?= 8081
dashboard: install
	$(VENV)/bin/pocketstack dashboard --host $(HOST) --port $(DASHBOARD_PORT) --data-dir $(DATA_DIR)

## The browser suite (marker `browser`): Horizon on a fresh cloud in headless Chromium;
## screenshots and each panel's API calls under browser-results/.
browser-deps:
	@dpkg-query -W chromium chromium-driver >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver)

test-browser: install-test browser-deps
	$(PY) -m pytest -q -n 0 -m browser tests/browser

## Tempest (OpenStack's own conformance tests) against a fresh live cloud:
## `make tempest` runs stage 1; `make tempest TEMPEST_STAGE=stage2` (or stage3) picks another.
TEMPEST_STAGE ?= stage1
tempest: install-test
	$(PY) -m tests.tempest_run $(TEMPEST_STAGE)

tempest-stage1: install-test
	$(PY) -m tests.tempest_run stage1

tempest-stage2: install-test
	$(PY) -m tests.tempest_run stage2

tempest-stage3: install-test
	$(PY) -m tests.tempest_run stage3

## Whole API areas: all of tempest.api.compute at the newest microversion with every feature
## the fake driver offers, and all of tempest.api.network.
TEMPEST_COMPUTE_FEATURES ?= resize,pause,suspend,rescue,snapshot,change_password,console_output,shelve,interface_attach,disk_config,cold_migration,live_migration
tempest-compute: install-test
	TEMPEST_COMPUTE_MAX_MICROVERSION=latest TEMPEST_COMPUTE_FEATURES=$(TEMPEST_COMPUTE_FEATURES) \
	  $(PY) -m tests.tempest_run stage2 --regex '^tempest\.api\.compute\.'

tempest-network: install-test
	$(PY) -m tests.tempest_run stage2 --regex '^tempest\.api\.network\.'

## All of tempest.api.identity with the features of tests/tempest_identity.conf and the
## [security_compliance] settings Tempest's defaults expect.
tempest-identity: install-test
	TEMPEST_EXTRA_CONF=$(CURDIR)/tests/tempest_identity.conf \
	  POCKETSTACK_SECURITY_COMPLIANCE__LOCKOUT_FAILURE_ATTEMPTS=2 \
	  POCKETSTACK_SECURITY_COMPLIANCE__LOCKOUT_DURATION=5 \
	  POCKETSTACK_SECURITY_COMPLIANCE__UNIQUE_LAST_PASSWORD_COUNT=2 \
	  $(PY) -m tests.tempest_run stage2 --regex '^tempest\.api\.identity\.'

## Benchmarks (wrk from Debian's packages; numbers in bench/results/, see bench/README.md).
bench: install-test
	@command -v wrk >/dev/null || apt-get install -y wrk || (apt-get update && apt-get install -y wrk)
	$(PY) -m bench $(BENCH_ARGS)

## Schemathesis against a live cloud from its OpenAPI documents (docs/fuzzing.md): `make fuzz`
## is long (FUZZ_EXAMPLES per operation), `make fuzz-short` is CI's stage of a minute or two.
FUZZ_EXAMPLES ?= 50
.PHONY: fuzz fuzz-short
fuzz: install-test
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_SEED=random $(PY) -m pytest -q -n 0 -m fuzz tests/fuzz

fuzz-short: install-test
	FUZZ_EXAMPLES=2 $(PY) -m pytest -q -n 0 -m fuzz tests/fuzz

## Static checks: lint, strict types over src/, and the import contracts of pyproject.toml.
check: install-test
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) build *.egg-info

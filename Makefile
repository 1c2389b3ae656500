# The README's two commands: `make serve` and `make test`. Both create the virtualenv and
# install what they need on first use (only python3 and make are needed on a fresh clone):
# `make serve` the service alone, `make test` the service plus the test tools (extra `test`).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SERVICE_STAMP := $(VENV)/.service-stamp
STAMP  := $(VENV)/.test-stamp

TESTSTATE_HOST    ?= 127.0.0.1
TESTSTATE_PORT    ?= 8083
TESTSTATE_WORKERS ?= 2
export TESTSTATE_HOST TESTSTATE_PORT TESTSTATE_WORKERS

.PHONY: install serve test lint system-deps soak fuzz bench

install: $(STAMP)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(SERVICE_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(SERVICE_STAMP)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(SERVICE_STAMP) $(STAMP)

serve: $(SERVICE_STAMP)
	$(BIN)/teststate serve

# Programs some tests drive, from Debian's packages: Graphviz draws the coverage report, headless
# Chromium opens it. Installed when missing and this runs as root with apt-get (CI does); otherwise
# those tests skip, except under CI, where they fail.
SYSTEM_PACKAGES := graphviz chromium fonts-liberation
system-deps:
	@if command -v dot >/dev/null && command -v chromium >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
	else echo "note: install $(SYSTEM_PACKAGES) for the coverage report tests"; fi

# Lint, format and types first (ruff, mypy --strict; settings in pyproject.toml), then pytest.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# pytest exits 5 when it collected no tests (e.g. a PYTEST_ARGS filter that matches nothing):
# say so and do not count it as a failure of the suite.
test: lint system-deps
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests (exit 5)"; exit 0; fi; exit $$rc

# Soak: SOAK_CLIENTS concurrent clients for SOAK_SECONDS against a real server on a free
# loopback port (soak/soak.py); fails on any 5xx, dropped connection or unexpected answer.
SOAK_SECONDS ?= 300
SOAK_CLIENTS ?= 16
soak: $(STAMP)
	$(BIN)/python soak/soak.py --seconds $(SOAK_SECONDS) --clients $(SOAK_CLIENTS)

# Fuzz: every property suite of fuzz/ under hypothesis's deep `long` profile (fuzz/conftest.py):
# at least 100,000 generated TestState requests, the count printed at the end. FUZZ_ARGS goes to
# pytest as is (e.g. FUZZ_ARGS='-k http -x' or FUZZ_ARGS=--hypothesis-show-statistics).
FUZZ_ARGS ?=
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=long $(BIN)/python -m pytest fuzz $(FUZZ_ARGS)

# Bench: in-process and HTTP figures against a trivial-app floor on the same gunicorn settings,
# and the in-process boto3 client against botocore with a canned answer (bench/), printed as a table; kept out of `make test` (numbers, not assertions). BENCH_ARGS goes
# to `python -m bench` as is (e.g. BENCH_ARGS='--json bench.json', '--scenarios pass', '--quick').
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# `make run` and `make test` set everything up on a fresh machine (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check infra-up infra-down install bench chaos contracts browser lock deploy-files image mutation mutation-ci

$(VENV)/installed.stamp: pyproject.toml contracts/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ./contracts -e '.[dev]'
	touch $@

install: $(VENV)/installed.stamp

run: install
	$(BIN)/trellis run

test: install check browser mutation-ci
	$(BIN)/trellis infra up
	$(BIN)/pytest

# The browser test drives Debian's chromium (Playwright cannot download a browser here).
browser:
	tools/browser/install-chromium

check: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m trellis_contracts.generate --check
	$(BIN)/python -m trellis_deploy.manifests --check

# Mutation testing of the pure code with its fast tests (tools/mutation/targets.toml): a table
# and a JSON line; fails when a target's score is under its threshold.
mutation: install
	$(BIN)/python tools/mutation/run.py

# The short variant `make test` runs: the targets marked ci = true.
mutation-ci: install
	$(BIN)/python tools/mutation/run.py --ci

# Faults injected under load over the whole platform (chaos/README.md): 10,000 commands and 20
# faults on a private Kafka and PostgreSQL; a table and .trellis/chaos/report.json; fails when a
# check does. CHAOS_SEED replays a run's schedule.
CHAOS_SEED ?=
chaos: install
	$(BIN)/python -m chaos --commands 10000 --faults 20 --report .trellis/chaos/report.json $(if $(CHAOS_SEED),--seed $(CHAOS_SEED))

contracts: install
	$(BIN)/python -m trellis_contracts.generate

# The image's pinned requirements, from pyproject.toml (deploy/requirements.in names the sources).
lock: install
	$(BIN)/python -m trellis_deploy.requirements

# deploy/compose.yaml and deploy/k8s, from SERVICE_APPS and the services' settings.
deploy-files: install
	$(BIN)/python -m trellis_deploy.manifests

# Trellis's image on this machine's Docker engine (started, and installed as root, if needed).
image: install
	$(BIN)/trellis docker build

infra-down: install
	$(BIN)/trellis infra down

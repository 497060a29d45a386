# SEP Portal. The two commands a newcomer needs: `make run` and `make test`.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
# Tests run on as many processes as there are cores; each gets its own database.
PYTEST_ARGS ?= -n auto
# `make run PORT=5101` serves there; in development, links in emails follow it.
PORT ?= 5000
# Security keys need a domain as their relying-party id: 127.0.0.1 is refused by browsers,
# localhost is allowed (and counts as a secure context without TLS). A PORTAL_BASE_URL
# given in the environment wins.
RUN_BASE_URL = $(or $(PORTAL_BASE_URL),http://localhost:$(PORT))
DEV := PORTAL_ENV=development PORT=$(PORT) PORTAL_BASE_URL=$(RUN_BASE_URL)

.PHONY: run test lint code mail-send reminders migration clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

## Set up (once), migrate, load the demo data (once) and serve http://localhost:$(PORT)
run: $(VENV)/.runtime-installed
	$(DEV) $(BIN)/flask db upgrade
	$(DEV) $(BIN)/flask seed-demo
	$(DEV) $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Compiled modules, and pytest's rewritten test modules, are kept under .venv/pycache even
# where PYTHONDONTWRITEBYTECODE is set: otherwise each test process (and each gunicorn or
# flask process the tests start) compiles them again, ~7 s of CPU per pytest process.
PYCACHE ?= $(abspath $(VENV))/pycache
## The whole test suite (TEST_DATABASE_URL=postgresql+psycopg://... to run it on PostgreSQL)
test: $(VENV)/.dev-installed
	PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(PYCACHE) $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .

## The current two-step code of a demo FDA account: make code EMAIL=admin@fda.example.gov
code: $(VENV)/.runtime-installed
	@PORTAL_ENV=development $(BIN)/flask totp-code $(EMAIL)

## Deliver queued mail (development by default: kept in the outbox; MAIL_TRANSPORT=smtp sends)
mail-send: $(VENV)/.runtime-installed
	PORTAL_ENV=$${PORTAL_ENV:-development} $(BIN)/flask mail send

reminders: $(VENV)/.runtime-installed
	$(BIN)/flask reminders send

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Liveblog: `make run` serves the demo, `make test` runs the whole suite. Both set everything up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
RUN_ENV := DEBUG=1 SECURE_SSL_REDIRECT=0

.PHONY: install run test lint format clean compose-up compose-down topology

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Liveblog needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py load_demo
	@echo "Serving Liveblog on http://127.0.0.1:8000/"
	$(RUN_ENV) PYTHON=$(PY) bin/serve -b 127.0.0.1 -p 8000

test: install
	$(PY) -m pytest
	bin/postgres-pass $(PY)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# Production topology with Docker (needs a Docker engine): nginx, WORKERS Daphne workers, PostgreSQL, Redis.
WORKERS ?= 2
compose-up:
	test -f .env || cp .env.example .env
	docker compose up -d --build --scale web=$(WORKERS)

compose-down:
	docker compose down

# The same topology without Docker, from Debian's packages on this machine.
topology: install
	$(PY) deploy/topology.py up --workers $(WORKERS)

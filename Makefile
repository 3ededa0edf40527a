# Liveblog: `make run` serves the demo, `make test` runs the whole suite. Both set everything up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
# Development settings that config/settings.py reads (see README: Configuration).
LIVEBLOG_ENV_FILE ?= .env

.PHONY: install messages run test lint lock format clean compose-up compose-down topology

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Liveblog needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# Written once with a new random key; an existing file is never overwritten.
$(LIVEBLOG_ENV_FILE):
	@umask 077 && printf '%s\n' \
	  '# Development settings for manage.py and bin/serve, written by `make install`.' \
	  '# The environment wins over this file. Production sets its own environment instead.' \
	  'DEBUG=1' \
	  'SECURE_SSL_REDIRECT=0' \
	  "SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@.new
	@mv $@.new $@ && echo "Wrote $@ (development settings)"

# The interface's translations: catalogs in locale/ (.po, kept in the repository) compiled to .mo
# files (build output, never committed) with Babel, a locked dependency, so that a fresh machine
# needs no GNU gettext; placeholders are checked as they are compiled.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))
%.mo: %.po $(STAMP)
	$(VENV)/bin/pybabel compile -i $< -o $@

install: $(STAMP) $(LIVEBLOG_ENV_FILE) $(MO_FILES)

# The catalogs brought up to date with the strings marked in templates, Python and scripts; the
# translations already written stay. Then `make install` compiles them.
LOCALES := fr de fa
MESSAGES_ARGS := $(addprefix --locale ,$(LOCALES)) --no-obsolete \
	--ignore '.venv/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'node_modules/*' \
	--ignore 'staticfiles/*' --ignore 'media/*'
messages: $(STAMP) $(LIVEBLOG_ENV_FILE)
	$(PY) manage.py makemessages --domain django $(MESSAGES_ARGS)
	$(PY) manage.py makemessages --domain djangojs $(MESSAGES_ARGS)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo "Serving Liveblog on http://127.0.0.1:8000/"
	PYTHON=$(PY) bin/serve -b 127.0.0.1 -p 8000

test: install
	$(PY) -m pytest
	bin/postgres-pass $(PY)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# requirements*.txt from requirements*.in: every dependency pinned, with the hashes of its files.
# Pins already in a .txt stay; LOCK_ARGS="-P django" upgrades one package, "--upgrade" all.
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(PY) -m piptools compile --quiet \
	--generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)
lock: install
	$(PIP_COMPILE) -o requirements.txt requirements.in
	$(PIP_COMPILE) -o requirements-dev.txt requirements-dev.in
	$(PIP_COMPILE) -o requirements-bench.txt requirements-bench.in

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache $(MO_FILES)

# Production topology with Docker (needs a Docker engine): nginx, WORKERS Daphne workers, PostgreSQL, Redis.
WORKERS ?= 2
COMPOSE := docker compose --env-file .env.compose
compose-up:
	test -f .env.compose || cp .env.compose.example .env.compose
	$(COMPOSE) up -d --build --scale web=$(WORKERS)

compose-down:
	$(COMPOSE) down

# The same topology without Docker, from Debian's packages on this machine.
topology: install
	$(PY) deploy/topology.py up --workers $(WORKERS)

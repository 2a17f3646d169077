# Kontor — the two commands that matter:
#   make run    set everything up and run web + worker + beat on http://127.0.0.1:8000
#   make test   the whole check: lint, migrations, deploy checks, catalogues, all tests
#
# Both work on a fresh clone: they create .venv (Python 3.12) and start an embedded
# PostgreSQL and Redis under var/ unless DATABASE_URL / REDIS_URL point elsewhere.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PY := .venv/bin/python
PORT ?= 8000
BIND ?= 127.0.0.1:$(PORT)
PYTEST_ARGS ?=
# Extension-less Python scripts that ruff would not find on its own.
PY_SCRIPTS := bin/run bin/compilemessages
# Loads the database/Redis environment into the recipe's shell (starting what is missing).
DEVSERVICES := services_env="$$($(PY) bin/devservices.py env)"; eval "$$services_env"

.PHONY: help install run test lint format check-migrations check-deploy messages test-only \
	bench services stop clean distclean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

install: ## create .venv if needed and install the locked dependencies
	@bin/bootstrap

run: install ## migrate, compile messages, seed demo data, run web+worker+beat until Ctrl-C
	@mkdir -p var
	@# Stop the embedded servers on exit only if this run is the one that starts them.
	@if [ -e var/pgdata/postmaster.pid ] || [ -e var/redis/redis.pid ]; then stop=; \
	  else stop=--stop-services; fi; \
	$(DEVSERVICES); \
	export DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-crm.settings.dev}; \
	$(PY) manage.py migrate --no-input --verbosity 1; \
	$(PY) bin/compilemessages; \
	$(PY) manage.py seed_demo; \
	echo; echo "Kontor: http://$(BIND)/   (Ctrl-C stops everything)"; echo; \
	BIND=$(BIND) exec $(PY) bin/run $$stop

# pytest always gets the test settings: a DJANGO_SETTINGS_MODULE exported for development would
# otherwise win over pyproject's (no eager Celery: jobs stay queued, mails never arrive).
test: install ## the whole check: lint, migrations, deploy check, messages, pytest
	@$(DEVSERVICES); \
	set -x; \
	$(PY) -m ruff check . $(PY_SCRIPTS); \
	$(PY) -m ruff format --check . $(PY_SCRIPTS); \
	$(PY) manage.py makemigrations --check --dry-run; \
	DJANGO_SETTINGS_MODULE=crm.settings.production ALLOWED_HOSTS=kontor.example \
	  SECRET_KEY="check-deploy-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))')" \
	  $(PY) manage.py check --deploy --fail-level WARNING; \
	$(PY) bin/compilemessages; \
	DJANGO_SETTINGS_MODULE=crm.settings.test $(PY) -m pytest $(PYTEST_ARGS)

test-only: install ## just pytest (PYTEST_ARGS="-k …" to choose)
	@$(DEVSERVICES); $(PY) bin/compilemessages; \
	  DJANGO_SETTINGS_MODULE=crm.settings.test $(PY) -m pytest $(PYTEST_ARGS)

lint: install ## ruff check and ruff format --check
	$(PY) -m ruff check . $(PY_SCRIPTS)
	$(PY) -m ruff format --check . $(PY_SCRIPTS)

format: install ## ruff format and the safe ruff fixes
	$(PY) -m ruff format . $(PY_SCRIPTS)
	$(PY) -m ruff check --fix . $(PY_SCRIPTS)

messages: install ## compile the gettext catalogues
	$(PY) bin/compilemessages

bench: install ## the performance benchmarks (manage.py bench)
	@$(DEVSERVICES); DJANGO_DEBUG=0 $(PY) manage.py bench $(BENCH_ARGS)

services: install ## start the embedded PostgreSQL/Redis and print their environment
	@$(PY) bin/devservices.py env

stop: ## stop the embedded PostgreSQL/Redis
	@if [ -x $(PY) ]; then $(PY) bin/devservices.py stop; fi

clean: ## remove caches, compiled catalogues, collected static files, test output
	find . -path ./.venv -prune -o -path ./var/pgdata -prune -o \
	  \( -name __pycache__ -o -name .pytest_cache -o -name .ruff_cache -o -name .hypothesis \) \
	  -type d -print -exec rm -rf {} +
	find . -path ./.venv -prune -o -path ./var/pgdata -prune -o -name '*.mo' -type f -print -exec rm -f {} +
	rm -rf var/staticfiles var/celerybeat-schedule* test-results screenshots

distclean: stop clean ## also delete the dev database (var/) and .venv
	rm -rf var .venv

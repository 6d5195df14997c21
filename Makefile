# Two commands for a newcomer: `make run` (the demo) and `make test` (the suite).
# Each does its own set-up (system packages, .venv, front-end assets, the embedded PostGIS) and is idempotent.
SHELL := /bin/bash
PY := .venv/bin/python
PORT ?= 8000
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: setup setup-run setup-dev setup-browser run test lint bench pg-stop backup restore

# `make setup`: everything a developer uses (tests, tooling, benchmarks); `make run` installs only what it runs.
setup:
	@REQS=requirements-bench.txt bash scripts/bootstrap.sh

setup-run:
	@bash scripts/bootstrap.sh

setup-dev:
	@REQS=requirements-dev.txt bash scripts/bootstrap.sh

setup-browser:
	@REQS=requirements-dev.txt WANT_BROWSER=1 bash scripts/bootstrap.sh

run: setup-run
	@PORT=$(PORT) bash scripts/run.sh

test: setup-browser
	@PATROL_TESTING=1 $(PY) -m pytest -p no:cacheprovider -n $${TEST_WORKERS:-2} --dist loadfile $(PYTEST_ARGS)

lint: setup-dev
	@.venv/bin/ruff check .
	@$(PY) manage.py makemigrations --check --dry-run

bench: setup
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) -m bench $(BENCH_ARGS)

pg-stop:
	@bash scripts/pg.sh stop

# Backups: a directory with the dump, the photo store and manifest.json (its path is printed).
backup: setup-run
	@$(PY) manage.py backup $(if $(BACKUP_DIR),--dir "$(BACKUP_DIR)")

# Restore into a fresh cluster of its own and verify counts and hashes (RESTORE_ARGS=--into-current: this one).
restore: setup-run
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=PATH [RESTORE_ARGS=--into-current]" >&2; exit 2; }
	@$(PY) manage.py restore "$(BACKUP)" $(RESTORE_ARGS)

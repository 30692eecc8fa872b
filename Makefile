# mfo: `make run` sets everything up and starts the development server; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# axe-core for the browser tests' accessibility checks, at the version tests/browser/package-lock.json pins.
AXE := tests/browser/node_modules/axe-core/axe.min.js
FLASK := $(BIN)/flask --app mfo
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO ?= 1
# The festival benchmark takes about 10 minutes; past this many seconds it is stopped (its databases dropped).
FESTIVAL_BENCH_TIMEOUT ?= 2700
# The schedule benchmark takes about 5 minutes (two solves of 60 s and 120 s, the demo built twice); stopped past this.
SCHEDULE_BENCH_TIMEOUT ?= 1200

.PHONY: install install-dev lock lint translations messages upgrade run serve bench bench-festival bench-schedule bench-payments soak test test-postgres clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The locked versions, then mfo itself as an editable package (its dependencies are already there).
$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps --editable .
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed translations  ## create .venv and install the runtime requirements

install-dev: $(VENV)/.installed-dev translations $(AXE)  ## install the test requirements too (and axe-core with npm, when npm is there)

# Without npm the browser tests' accessibility checks are skipped (and fail where services are required, as in CI).
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/browser --no-audit --no-fund --silent && touch $@; \
	else \
		echo "npm is not installed: the browser tests cannot check accessibility (apt-get install npm)" >&2; \
	fi

lock: install-dev  ## regenerate requirements.txt and requirements-dev.txt from pyproject.toml (pip-tools; add --upgrade with ARGS)
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links $(ARGS) \
		--output-file requirements.txt pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links $(ARGS) \
		--extra dev --constraint requirements.txt --output-file requirements-dev.txt pyproject.toml

lint: install-dev  ## ruff: style, imports, docstrings, and no import of mfo.app
	$(BIN)/ruff check .

translations: $(VENV)/.installed  ## compile every message catalog, the site's and each feature's (.po -> .mo)
	$(BIN)/python -m tools.catalogs compile

messages: $(VENV)/.installed  ## re-extract each package's strings into its own catalog (then translate the new ones)
	$(BIN)/python -m tools.catalogs update

upgrade: install  ## bring the database schema up to date and sync the built-in roles
	FLASK_DEBUG=1 $(FLASK) db upgrade
	FLASK_DEBUG=1 $(FLASK) roles sync

run: upgrade  ## start the development server on SQLite: the first admin and the demo festival when there are none (DEMO=0: none)
	FLASK_DEBUG=1 $(FLASK) users bootstrap-admin
	if [ "$(DEMO)" != "0" ]; then FLASK_DEBUG=1 $(FLASK) festival demo --if-empty; fi
	FLASK_DEBUG=1 $(FLASK) run --host $(HOST) --port $(PORT)

serve: install  ## production: migrate, sync roles, run gunicorn (MFO_BIND, MFO_WORKERS; secrets and URIs from the environment)
	$(FLASK) db upgrade
	$(FLASK) roles sync
	$(BIN)/gunicorn --config gunicorn.conf.py "mfo:create_app()"

# Both parts of bench run even when the first misses a target; make fails if either does.
bench: install  ## on SQLite and PostgreSQL: seed 1,000 then 100,000 users, serve mfo and a Django admin with gunicorn, drive with wrk; writes docs/performance.md; then bench-festival
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	status=0; \
	$(BIN)/python -m bench.run $(BENCH_ARGS) || status=$$?; \
	timeout $(FESTIVAL_BENCH_TIMEOUT) $(BIN)/python -m bench.festival $(FESTIVAL_BENCH_ARGS) || status=$$?; \
	exit $$status

bench-festival: install  ## the festival only: report pages and exports at 10,000 entries, imports of 5,000 rows, on SQLite and PostgreSQL; writes docs/festival-performance.md
	timeout $(FESTIVAL_BENCH_TIMEOUT) $(BIN)/python -m bench.festival $(FESTIVAL_BENCH_ARGS)

bench-schedule: install  ## the schedule's solver against the greedy method: the demo festival (SQLite, PostgreSQL) and 3,000 entries; writes docs/scheduling-benchmark.md
	timeout $(SCHEDULE_BENCH_TIMEOUT) $(BIN)/python -m bench.schedule $(SCHEDULE_BENCH_ARGS)

bench-payments: install  ## a 2,000-line bank statement previewed (read and checked) on SQLite and PostgreSQL, under 10 s; writes its section of docs/payments.md
	timeout $(FESTIVAL_BENCH_TIMEOUT) $(BIN)/python -m bench.payments $(PAYMENTS_BENCH_ARGS)

soak: install  ## 60 s each on SQLite and PostgreSQL of concurrent sign-ins, views and admin edits, then a PostgreSQL restart; writes docs/soak.md
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

test: install-dev  ## run the whole test suite (on SQLite; PostgreSQL parts run when a server answers)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: install-dev  ## run the whole suite again against a throw-away PostgreSQL database
	MFO_TEST_DATABASE=postgresql $(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache tests/browser/node_modules

# Two commands do all set-up on a fresh Debian/Ubuntu machine with Python 3.11+:
#   make run    — the app with demo data on SQLite at http://127.0.0.1:5000
#   make test   — the whole test suite (SQLite and a throwaway PostgreSQL, real Chromium)
#   make test-fast — the inner loop: SQLite only, no browser, load, fault or fuzz tests
#   make serve  — production serving with gunicorn (gunicorn.conf.py) from the instance's
#                 configuration (instance/config.py, AUDIT_APP_* variables)
#   make load   — the full 30-second load test (gunicorn, 2 workers, 16 clients) on both databases
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app audit_app
HOST ?= 127.0.0.1
PORT ?= 5000
SERVE_BIND ?= 127.0.0.1:8000

.PHONY: run serve test test-fast bench load install install-test translations extract-messages clean-instance

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed translations
	./scripts/system-deps.sh run

install-test: $(VENV)/.installed-test translations
	./scripts/system-deps.sh test

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d audit_app/translations -D messages --statistics 2>&1 | grep -v '^$$' || true

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o audit_app/translations/messages.pot .
	$(BIN)/pybabel update -i audit_app/translations/messages.pot -d audit_app/translations --no-fuzzy-matching

run: install
	$(FLASK) init
	$(FLASK) demo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C stops)"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install-test
	./scripts/run-tests.sh $(ARGS)

test-fast: install-test
	./scripts/run-tests.sh --db=sqlite -m "not browser and not slow" $(ARGS)

bench: install-test
	$(BIN)/python -m benchmarks $(ARGS)

serve: install
	$(FLASK) db upgrade
	GUNICORN_BIND=$(SERVE_BIND) $(BIN)/gunicorn -c gunicorn.conf.py $(ARGS)

load: install-test
	$(BIN)/python -m benchmarks.load --duration 30 $(ARGS)

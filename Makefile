# Two commands a newcomer needs: `make run` and `make test`. Each builds what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_ADMIN_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
PORT ?= 5000
# Test processes per pass (pytest-xdist); "auto" = one per core. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
export WORKFLOW_DEMO ?= 1

.PHONY: run test test-sqlite test-postgres install translations messages lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations

# Catalogs are compiled from the .po sources, never committed as binaries.
translations: $(STAMP)
	$(BIN)/pybabel compile -f -d workflow_app/translations > /dev/null

# The server, and beside it the scheduler (notices that are over end by it, never by a page view; e-mail
# that failed goes again; reminders); stopping the server stops both.
run: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi seed-demo
	@echo "Open http://127.0.0.1:$(PORT)/ and log in with one of the accounts above."
	@$(BIN)/flask --app wsgi scheduler & scheduler=$$!; trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
		$(BIN)/flask --app wsgi run --port $(PORT)

test: test-sqlite test-postgres

# PostgreSQL-only tests (real concurrent connections) run in the PostgreSQL pass below.
test-sqlite: install
	$(BIN)/pytest -n $(TEST_WORKERS) -m "not postgres"

# The same suite on PostgreSQL when a server answers (CI requires it: WORKFLOW_REQUIRE_PG=1).
test-postgres: install
	@if $(BIN)/python -m tests.pg_probe "$(PG_ADMIN_URL)"; then \
		TEST_PG_ADMIN_URL="$(PG_ADMIN_URL)" $(BIN)/pytest -n $(TEST_WORKERS) -m "not browser"; \
	elif [ "$$WORKFLOW_REQUIRE_PG" = "1" ]; then \
		echo "PostgreSQL is required (WORKFLOW_REQUIRE_PG=1) but does not answer at $(PG_ADMIN_URL)"; exit 1; \
	else \
		echo "SKIPPED the PostgreSQL run: no server answers at $(PG_ADMIN_URL) (set PG_ADMIN_URL to use one)."; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) instance .pytest_cache

# Refresh the catalog after changing UI strings: re-extract the template, merge it into the
# Chinese .po, then fill every new empty msgstr (tests/test_translations.py lists them).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o workflow_app/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i workflow_app/translations/messages.pot -d workflow_app/translations -l zh_Hans_CN --no-fuzzy-matching --ignore-obsolete

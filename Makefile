# make run: the portal with demo data on SQLite at http://$(HOST):$(PORT)
# make test: every test on SQLite, again with the clock a year ahead, and on PostgreSQL when PORTAL_TEST_DATABASE_URL is set
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test venv translations catalogs worker clean bench fuzz

# The Nu Html Checker that every page the tests fetch must pass (npm package vnu-jar; runs on Java).
VNU_VERSION := 26.9.27
VNU_JAR := $(VENV)/vnu/node_modules/vnu-jar/build/dist/vnu.jar

$(BIN)/activate: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

venv: $(BIN)/activate

$(VNU_JAR):
	npm install --silent --no-audit --no-fund --prefix $(VENV)/vnu vnu-jar@$(VNU_VERSION)

# Compile the message catalogs (the .mo files are built, not committed).
translations: venv
	$(BIN)/pybabel -q compile -d portal/translations

# Extract strings and update both catalogs (run after changing any visible text).
catalogs: venv
	$(FLASK) translate

run: translations
	$(FLASK) db upgrade
	$(FLASK) seed
	PORTAL_BASE_URL="$${PORTAL_BASE_URL:-http://$(HOST):$(PORT)}" $(FLASK) run --host $(HOST) --port $(PORT)

worker: translations
	$(FLASK) worker

# Types checked (mypy, settings in pyproject.toml); every test on SQLite; again without the browser with the clock over a year ahead, so a test that
# passes only around the day it was written fails now; and on PostgreSQL when it is configured.
CLOCK_AHEAD_DAYS ?= 400
test: translations $(VNU_JAR)
	$(BIN)/mypy
	env -u PORTAL_TEST_DATABASE_URL $(BIN)/pytest
	@echo "== again with the clock $(CLOCK_AHEAD_DAYS) days ahead"
	env -u PORTAL_TEST_DATABASE_URL $(BIN)/pytest -q -m "not browser" --clock-ahead=$(CLOCK_AHEAD_DAYS)
	@if [ -n "$$PORTAL_TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL"; $(BIN)/pytest -m "not browser"; fi

clean:
	rm -rf $(VENV) instance .pytest_cache

# Requests per second of the public advisory pages against a trivial Flask route (needs wrk).
bench: translations
	$(BIN)/python bench/run.py

# Coverage-guided fuzzing (atheris) of the upload checks and the sticker QR parsers, FUZZ_RUNS executions
# per target; a finding keeps its input under /tmp/portal-fuzz/artifacts/ and fails.
FUZZ_RUNS ?= 20000
fuzz: venv
	$(BIN)/python fuzz/run.py --runs $(FUZZ_RUNS)

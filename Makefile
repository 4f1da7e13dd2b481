# torihiki: the two commands a new machine needs are `make dev` and `make test`.
# Only python3 (3.11+) and make are assumed; everything else comes from uv.lock.

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: dev test test-services lint fmt schema schema-check state-diagrams migrations bench-mail bench-login bench-catalog bench-pricing bench-quote-pdf serve worker clean install

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(BIN)/torihiki: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(BIN)/torihiki

## Start everything on the embedded profile (SQLite, fakeredis, in-process worker, mail sink).
dev: install
	$(BIN)/torihiki dev

## The test suite on SQLite + fakeredis, and again on PostgreSQL + Redis when reachable.
test: install
	$(BIN)/pytest
	TORIHIKI_TEST_BACKENDS=services $(BIN)/pytest

## The suite against PostgreSQL and Redis only (CI insists on this pass).
test-services: install
	TORIHIKI_TEST_BACKENDS=services TORIHIKI_REQUIRE_SERVICES=1 $(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

schema: install
	$(BIN)/torihiki export-schema

state-diagrams: install
	$(BIN)/python -m api.audit.diagrams

schema-check: install
	$(BIN)/torihiki export-schema --check

migrations: install
	$(BIN)/tortoise -c api.db.TORTOISE_ORM makemigrations

serve: install
	$(BIN)/torihiki serve

worker: install
	$(BIN)/torihiki worker

bench-mail: install
	$(BIN)/python bench/mail_throughput.py

bench-login: install
	$(BIN)/python bench/login_throughput.py

bench-catalog: install
	$(BIN)/python bench/catalog.py

bench-pricing: install
	$(BIN)/python bench/pricing.py

bench-quote-pdf: install
	$(BIN)/python bench/quote_pdf.py

clean:
	rm -rf $(VENV) $(TOOLS) var

# The README's commands. `make run` and `make test` work on a bare machine with Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test serve bench bench-documents bench-meetings lint migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(FLASK) db upgrade
	$(FLASK) load-demo
	$(BIN)/python wsgi.py

serve: $(VENV)/.runtime
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

migrate: $(VENV)/.runtime
	$(FLASK) db upgrade

test: $(VENV)/.installed
	$(BIN)/pytest

# Each benchmark prints its figures; PostgreSQL ones use EOFFICE_BENCH_DATABASE_URL or the local server.
bench: $(VENV)/.installed
	$(BIN)/python bench/storage_upload.py --size-mb 200
	$(BIN)/python bench/mail_delivery.py --messages 3000 --database-url postgresql://postgres@127.0.0.1:5432/test

bench-documents: $(VENV)/.installed
	$(BIN)/python bench/documents_scale.py $(BENCH_ARGS)

# Live room fan-out against a bare Node socket.io server (needs Node 18+ and npm).
bench/node_reference/node_modules: bench/node_reference/package-lock.json
	cd bench/node_reference && npm ci --no-audit --no-fund
	touch $@

bench-meetings: $(VENV)/.installed bench/node_reference/node_modules
	$(BIN)/python bench/meeting_fanout.py $(BENCH_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache

# The README's commands. `make run` and `make test` work on a bare machine with Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test serve bench bench-documents bench-downloads bench-meetings bench-meeting-day bench-scale-out bench-axis bench-axis-exchange bench-signatures bench-records lint migrate clean web

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# The chart's tests render, validate and scan helm/eoffice with tools whose pins conflict with the
# application's (requirements-chart.txt says which): they get a virtual environment of their own.
.venv-chart/.installed: requirements-chart.txt
	$(PYTHON) -m venv .venv-chart
	.venv-chart/bin/python -m pip install --quiet -r requirements-chart.txt
	touch $@

# The web client (frontend/): installed from package-lock.json, rebuilt when a source changes.
WEB_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/tsconfig.json

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund

frontend/dist/index.html: frontend/node_modules/.package-lock.json $(WEB_SOURCES)
	cd frontend && npm run build

web: frontend/dist/index.html

run: $(VENV)/.runtime frontend/dist/index.html
	$(FLASK) db upgrade
	$(FLASK) load-demo
	$(BIN)/python wsgi.py

# The server (Socket.IO, web client and API; one sticky process) on EOFFICE_PORT, the API workers
# (several processes) on EOFFICE_API_PORT, and the workers that index the text of uploaded PDFs (and
# recognise scans) and validate their signatures at a lower priority than the requests, and with
# EOFFICE_MAIL_INTAKE=true the worker that takes documents from the agencies' mailboxes; stopping one
# stops them all.
# With EOFFICE_METRICS_PORT set, the API workers' metrics listener takes the next port.
serve: $(VENV)/.runtime
	EOFFICE_METRICS_PORT=$$(( $${EOFFICE_METRICS_PORT:-0} ? $${EOFFICE_METRICS_PORT:-0} + 1 : 0 )) \
		$(BIN)/gunicorn -c gunicorn_api.conf.py wsgi:app & api=$$!; \
	nice -n 19 $(FLASK) document-text-worker & text=$$!; \
	nice -n 19 $(FLASK) signature-worker & signatures=$$!; \
	if [ "$${EOFFICE_MAIL_INTAKE:-false}" = true ]; then $(FLASK) mail-intake-worker & intake=$$!; fi; \
	trap 'kill $$api $$text $$signatures $$intake 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

migrate: $(VENV)/.runtime
	$(FLASK) db upgrade

# Unit tests of the client (Vitest), then pytest, which includes the browser tests in tests/e2e/.
# Four pytest workers (pytest-xdist), a module each at a time: much of the suite waits on servers,
# sockets and browsers, so four share two cores well. Each worker has its own PostgreSQL database.
PYTEST_WORKERS ?= 4
test: $(VENV)/.installed .venv-chart/.installed frontend/dist/index.html
	cd frontend && npm test
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadscope --durations=25

# Each benchmark prints its figures; PostgreSQL ones use EOFFICE_BENCH_DATABASE_URL or the local server.
bench: $(VENV)/.installed
	$(BIN)/python bench/storage_upload.py --size-mb 200
	$(BIN)/python bench/mail_delivery.py --messages 3000 --database-url postgresql://postgres@127.0.0.1:5432/test

bench-documents: $(VENV)/.installed
	$(BIN)/python bench/documents_scale.py $(BENCH_ARGS)

# Signed packages with 1 MB attachments through the mock national axis (python -m national_axis).
bench-axis: $(VENV)/.installed
	$(BIN)/python bench/axis_mock.py $(BENCH_ARGS)

# Documents with 1 MB attachments from one e-office to another through the mock national axis.
bench-axis-exchange: $(VENV)/.installed
	$(BIN)/python bench/axis_exchange.py $(BENCH_ARGS)

# OCR of Vietnamese scans: character error rate (clean, noisy), pages/s, time until a scan is searchable.
bench-ocr: $(VENV)/.installed
	$(BIN)/python bench/ocr.py $(BENCH_ARGS)

# The signer's and the agency's signatures (1 MB and 20 MB PDFs), verification and issuance throughput,
# with the keys in PKCS#12 files and in SoftHSM2 (apt-get install softhsm2).
bench-signatures: $(VENV)/.installed
	$(BIN)/python bench/signatures.py $(BENCH_ARGS)

# A hand-over's archive package streamed: 2,000 documents with 1 MB files, peak memory and throughput.
bench-records: $(VENV)/.installed
	$(BIN)/python bench/records_export.py $(BENCH_ARGS)

# Live room fan-out against a bare Node socket.io server (needs Node 18+ and npm).
bench/node_reference/node_modules: bench/node_reference/package-lock.json
	cd bench/node_reference && npm ci --no-audit --no-fund
	touch $@

bench-meetings: $(VENV)/.installed bench/node_reference/node_modules
	$(BIN)/python bench/meeting_fanout.py $(BENCH_ARGS)

# A province's meeting day: a reconnect storm (server restarted under a hall), 100 rooms and a hall turning
# pages on one and on two processes (Redis), a check-in storm. Smoke first: BENCH_ARGS="--hall 10 --rooms 2
# --tablets 3 --seconds 5".
bench-meeting-day: $(VENV)/.installed bench/node_reference/node_modules
	$(BIN)/python bench/meeting_day.py $(BENCH_ARGS)

# 500 tablets download a 30 MB meeting book at once: through the API workers (local store), then with S3
# (moto) by the store's signed URLs; throughput, server CPU per GB, peak RSS, time to page 1 and to all.
bench-downloads: $(VENV)/.installed
	$(BIN)/python bench/meeting_downloads.py $(BENCH_ARGS)

# The live room behind nginx (apt-get install nginx) on two servers, one of which stops mid-meeting.
bench-scale-out: $(VENV)/.installed
	$(BIN)/python bench/nginx_scale_out.py $(BENCH_ARGS)

lint: $(VENV)/.installed frontend/node_modules/.package-lock.json
	$(BIN)/ruff check .
	cd frontend && npm run typecheck

clean:
	rm -rf $(VENV) .venv-chart instance .pytest_cache frontend/node_modules frontend/dist test-artifacts

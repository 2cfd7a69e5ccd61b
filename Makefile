# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## start the embedded stack and the four services (Ctrl-C stops)
	$(VENV)/bin/dimona up

test: $(STAMP)  ## unit, integration and end-to-end tests
	$(VENV)/bin/pytest -p no:cacheprovider

bench: $(STAMP)  ## the performance benchmark on a fresh embedded stack (docs/performance.md)
	$(VENV)/bin/dimona bench $(BENCH_ARGS)

docs: $(STAMP)  ## docs/asyncapi.yaml, the Kafka topics, from the services' subscribers
	$(VENV)/bin/python -m dimona.asyncapi

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var

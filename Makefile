# The README's two commands: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint install clean

$(STAMP): pyproject.toml
	scripts/bootstrap-venv.sh $(PYTHON) $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Generate an outbreak into a fresh SQLite database and serve it on http://127.0.0.1:8000
demo: $(STAMP)
	$(BIN)/tracedesk demo

## Lint, type-check, deployment checks, then every test on SQLite and on PostgreSQL 15
test: $(STAMP)
	scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy tracedesk benchmarks

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache

# The two commands a newcomer needs: `make demo` and `make test`. Both set everything up.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install viewer-assets generate check-generated lint typecheck test test-fast bench demo clean

install: $(VENV)/.installed viewer-assets

## The simulator viewer's OpenSeadragon, pinned in package.json, fetched from npm into the package (gitignored).
viewer-assets:
	bash scripts/viewer-assets.sh

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

## Regenerate generated/ from openapi/ (pinned generators; deterministic) and the sync clients from the async ones.
generate: install
	bash codegen/regenerate.sh
	$(PY) codegen/unasync.py

## Fail when generated/ differs from a fresh run of the generators.
check-generated: install
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	bash codegen/regenerate.sh "$$tmp" && \
	diff -r -x __pycache__ -x .ruff_cache -x .mypy_cache generated "$$tmp" \
	  && echo "generated/ is up to date" \
	  || { echo "generated/ differs from a fresh run: run 'make generate' and commit" >&2; exit 1; }
	$(PY) codegen/unasync.py --check

lint: install
	ruff check .
	ruff format --check .
	mypy
	mypy --no-error-summary generated/dpat_api generated/dicom_models generated/dpat_spec

## The API reference from the docstrings (pdoc) into build/docs/api/; any warning fails.
docs: install
	$(PY) docs/build.py

## All tests, with every service they need (Orthanc for QIDO) started and stopped here.
test: install check-generated lint docs
	bash scripts/run-tests.sh

## Tests only (no lint, no generated check).
test-fast: install
	bash scripts/run-tests.sh

bench: install
	$(PY) -m bench

demo: install
	$(PY) -m sectra_dpat_client.demo

## The tissue-area example on the Celery backend: Redis, the simulator, the receiver and two workers.
demo-scale: install
	$(PY) scripts/demo_scale.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache

# Two commands do all set-up on a fresh machine (Python, and npm for the dashboard's chart library):
#   make demo   - create .venv, install, run the main job on the embedded SQLite store
#   make test   - create .venv, install, run every test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# `make demo` needs only the runtime dependencies: its own stamp, without the test extras
RUNTIME_STAMP := $(VENV)/.runtime-stamp
# The dashboard's chart library (Apache ECharts) comes from the npm registry at install time, pinned in
# package-lock.json, and is served by the ledger itself (never a CDN at run time).
VENDOR := src/api/dashboard_assets/vendor
ECHARTS := $(VENDOR)/echarts.min.js
# The API docs pages (/docs: Swagger UI, /redoc: ReDoc) likewise: swagger-ui-dist and redoc, pinned in the same
# package-lock.json, copied into src/api/docs_assets/vendor/ and served by the ledger (no CDN).
DOCS_VENDOR := src/api/docs_assets/vendor
DOCS_ASSETS := $(DOCS_VENDOR)/swagger-ui-bundle.js

.PHONY: install demo test lint serve bench clean

$(RUNTIME_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

$(STAMP): $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(ECHARTS): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js $(ECHARTS)
	cp node_modules/echarts/LICENSE $(VENDOR)/echarts.LICENSE.txt

$(DOCS_ASSETS): $(ECHARTS)
	mkdir -p $(DOCS_VENDOR)
	cp node_modules/swagger-ui-dist/swagger-ui.css node_modules/swagger-ui-dist/favicon-32x32.png $(DOCS_VENDOR)/
	cp node_modules/swagger-ui-dist/LICENSE $(DOCS_VENDOR)/swagger-ui.LICENSE.txt
	cp node_modules/redoc/bundles/redoc.standalone.js $(DOCS_VENDOR)/
	cp node_modules/redoc/LICENSE $(DOCS_VENDOR)/redoc.LICENSE.txt
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js $(DOCS_ASSETS)

install: $(STAMP) $(ECHARTS) $(DOCS_ASSETS)

demo: $(RUNTIME_STAMP) $(ECHARTS) $(DOCS_ASSETS)
	$(BIN)/ledger demo

test: $(STAMP) $(ECHARTS) $(DOCS_ASSETS)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

serve: $(RUNTIME_STAMP) $(ECHARTS) $(DOCS_ASSETS)
	$(BIN)/ledger serve

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis node_modules $(VENDOR) $(DOCS_VENDOR)

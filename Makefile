# Duibiao — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= instance
export DUIBIAO_DATA_DIR ?= $(abspath $(DATA_DIR))

.PHONY: run test install assets migrate demo bench lint messages clean system-deps-run system-deps-test \
	manual-screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade --quiet pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# IBM_TELEMETRY_DISABLED: two of form-js's packages (@carbon/grid, @carbon/layout) would otherwise run a usage
# collector at install, which stays behind as background processes and reports to IBM when it thinks it runs
# in CI; a government deployment installs offline and reports to nobody.
node_modules/.installed: package.json
	IBM_TELEMETRY_DISABLED=true npm install --no-audit --no-fund --loglevel=error
	touch $@

FRONTEND_SOURCES := $(shell find webapp/frontend -type f 2>/dev/null)
ESBUILD := node_modules/.bin/esbuild --bundle --minify --format=iife --target=es2020 --log-level=warning

# Copy the built front-end packages next to the app's own static files (no CDN), and bundle the
# designer's modeler and compare pages from webapp/frontend (bpmn-js Modeler, properties panel, lint)
# and the form editor (form-js FormEditor with the platform's palette and properties).
webapp/static/vendor/.built: node_modules/.installed $(FRONTEND_SOURCES)
	rm -rf webapp/static/vendor
	mkdir -p webapp/static/vendor/bootstrap webapp/static/vendor/bpmn-js webapp/static/vendor/designer \
	   webapp/static/vendor/swagger-ui webapp/static/vendor/chart.js webapp/static/vendor/forms
	cp -r node_modules/bootstrap/dist/css node_modules/bootstrap/dist/js webapp/static/vendor/bootstrap/
	cp node_modules/swagger-ui-dist/swagger-ui.css node_modules/swagger-ui-dist/swagger-ui-bundle.js \
	   webapp/static/vendor/swagger-ui/
	cp -r node_modules/bpmn-js/dist/. webapp/static/vendor/bpmn-js/
	cp node_modules/chart.js/dist/chart.umd.min.js webapp/static/vendor/chart.js/
	cp node_modules/@bpmn-io/properties-panel/dist/assets/properties-panel.css \
	   node_modules/bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css webapp/static/vendor/designer/
	$(ESBUILD) webapp/frontend/designer/modeler.js --outfile=webapp/static/vendor/designer/modeler.js
	$(ESBUILD) webapp/frontend/designer/compare.js --outfile=webapp/static/vendor/designer/compare.js
	cp node_modules/@bpmn-io/form-js-viewer/dist/assets/form-js.css \
	   node_modules/@bpmn-io/form-js-editor/dist/assets/form-js-editor.css \
	   node_modules/@bpmn-io/form-js-editor/dist/assets/properties-panel.css \
	   node_modules/@bpmn-io/form-js-editor/dist/assets/draggle.css webapp/static/vendor/forms/
	$(ESBUILD) webapp/frontend/forms/editor.js --outfile=webapp/static/vendor/forms/editor.js
	touch $@

# The compiled message catalogues (webapp/translations/<lang>/LC_MESSAGES/messages.mo, not committed).
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard webapp/translations/*/LC_MESSAGES/messages.po))
webapp/translations/%/LC_MESSAGES/messages.mo: webapp/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d webapp/translations -D messages -l $*

install: $(VENV)/.installed $(CATALOGUES)
assets: webapp/static/vendor/.built

migrate: install
	$(BIN)/duibiao db upgrade

demo: migrate
	$(BIN)/duibiao demo

# Debian packages (CJK fonts; Chromium for the browser tests) through apt-get when missing, as root or
# with sudo: `run` warns and goes on without them, `test` stops.
system-deps-run:
	@scripts/system-deps.sh run

system-deps-test:
	@scripts/system-deps.sh test

run: system-deps-run install assets demo
	$(BIN)/duibiao run --host 127.0.0.1 --port 5000

# The shipped processes' scenarios first (workflows/scenarios), then the whole suite.
test: system-deps-test install assets
	$(BIN)/duibiao workflows test
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

# The user manuals' pictures (docs/manual/img): the browser journeys, each saving its screenshots there.
manual-screenshots: system-deps-test install assets
	DUIBIAO_MANUAL_SCREENSHOTS=1 $(BIN)/python -m pytest -p no:cacheprovider tests/browser/test_journey_*.py

# Every benchmark (issue 15's targets), then one PASS / FAIL line per target (bench/run_all.py). The
# PostgreSQL targets need DUIBIAO_BENCH_DATABASE_URL=postgresql+psycopg://… (scratch databases beside it).
bench: install
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .

# The message catalogue template (babel.cfg says what is extracted from where), merged into each
# language's catalogue: new messages arrive untranslated (tests/i18n lists them), docs/translation.md.
messages: install
	mkdir -p webapp/translations
	$(BIN)/pybabel extract -F babel.cfg -k _l -o webapp/translations/messages.pot .
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations -D messages \
	   --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) node_modules webapp/static/vendor

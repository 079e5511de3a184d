# Waypoint: `make demo` to try it, `make test` to check it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Test processes side by side (pytest-xdist); TEST_WORKERS=0 runs them in this one.
TEST_WORKERS ?= 2

.PHONY: install demo test test-faults lint fmt messages clean bench vendor

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: install
	$(BIN)/waypoint demo

lint: install
	$(BIN)/ruff check src tests faults bench
	$(BIN)/ruff format --check src tests faults bench

fmt: install
	$(BIN)/ruff check --fix src tests faults bench
	$(BIN)/ruff format src tests faults bench

# The suite runs on the embedded SQLite database, and again on PostgreSQL when
# DATABASE_URL points at one. Checks run against a throwaway data directory.
test: lint
	@export WAYPOINT_DATA_DIR=$$(mktemp -d) && \
	env -u DATABASE_URL $(BIN)/waypoint manage check --fail-level WARNING && \
	env -u DATABASE_URL $(BIN)/waypoint manage makemigrations --check --dry-run && \
	echo "== pytest on SQLite" && \
	env -u DATABASE_URL $(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS) && \
	if [ -n "$$DATABASE_URL" ]; then \
		echo "== pytest on PostgreSQL ($$DATABASE_URL)" && \
		$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS); \
	fi

# Faults injected into a running installation on PostgreSQL (DATABASE_URL, default the local
# server) with its own Redis: two web servers, two workers, SIGKILL mid-job, Redis stopped,
# connections terminated. Prints the figures it saw.
test-faults: install
	$(BIN)/pytest faults -s -p no:randomly $(PYTEST_ARGS)

# The benchmark at N people (default 10000; N=1000 for another size; DATABASE_URL=... for
# PostgreSQL): seeds or reuses bench/.data-N, prints the table, writes bench/results.json.
bench: install
	$(BIN)/python bench/run.py $(if $(N),--people $(N),)

# Refresh the translation catalogues from the code, then compile them (needs gettext).
messages: install
	cd src/waypoint && ../../$(BIN)/waypoint manage makemessages -l ru -l zh_Hans -l pl \
		--no-location --no-obsolete -i "migrations/*"
	$(BIN)/python -c "import glob, polib; [polib.pofile(p).save_as_mofile(p[:-2] + 'mo') \
		for p in glob.glob('src/waypoint/locale/*/LC_MESSAGES/django.po')]"

# The browser libraries kept in the repository (no CDN): d3 for the alignment map, from the
# npm registry. Run it to upgrade them; the app never fetches anything at run time.
D3_VERSION = 7.9.2
vendor:
	rm -rf build/vendor && mkdir -p build/vendor
	cd build/vendor && npm install --silent --no-save d3@$(D3_VERSION)
	cp build/vendor/node_modules/d3/dist/d3.min.js src/waypoint/static/waypoint/vendor/d3.min.js
	cp build/vendor/node_modules/d3/LICENSE src/waypoint/static/waypoint/vendor/d3.LICENSE

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache

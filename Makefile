# The two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEPS := $(VENV)/.deps-installed
# What running needs (the package and its dependencies); DEPS adds the tools the tests use.
RUN_DEPS := $(VENV)/.run-deps-installed
# Azurite (Microsoft's Azure Storage emulator, npm): the real blob server the job store's
# Azure path is tested against. Pinned with its lockfile in .tools/.
AZURITE := .tools/node_modules/.bin/azurite-blob

.PHONY: run test check lint bench install clean

run: $(RUN_DEPS)
	$(PY) scripts/run_local.py

test: $(DEPS) $(AZURITE)
	node --test tests/js/
	$(PY) -m pytest

bench: $(DEPS)
	$(PY) -m bench.run

# Static checks (CI runs this before the tests): lint (line length included), format,
# types (mypy --strict with the pydantic plugin, configured in pyproject.toml), and the
# front end's unit tests (Node's own runner, no dependencies).
check: $(DEPS)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	node --test tests/js/

lint: check

install: $(DEPS)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(RUN_DEPS): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEPS): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(RUN_DEPS)

$(AZURITE): .tools/package.json .tools/package-lock.json
	@command -v npm >/dev/null || { echo "npm is required for the tests (Azurite); install Node.js >= 20.19" >&2; exit 1; }
	npm ci --prefix .tools --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info .tools/node_modules

# JavaScript unit tests of the pure front-end modules (frontends/static/js/core/): Node's
# built-in runner, no dependencies (also the first step of `make test`). The modules are
# plain .js ES modules without a package.json: Node >= 20.19 recognises them as ES modules.
.PHONY: test-js
test-js:
	node --test tests/js/

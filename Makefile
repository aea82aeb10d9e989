# The two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEPS := $(VENV)/.deps-installed

.PHONY: run test check lint bench install clean

run: $(DEPS)
	$(PY) scripts/run_local.py

test: $(DEPS)
	$(PY) -m pytest

bench: $(DEPS)
	$(PY) -m bench.run

# Static checks (CI runs this before the tests).
check: $(DEPS)
	$(VENV)/bin/ruff check .

lint: check

install: $(DEPS)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(DEPS): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

# JavaScript unit tests of the pure front-end modules (frontends/static/js/core/): Node's
# built-in runner, no dependencies. The modules are plain .js ES modules without a
# package.json: Node >= 20.19 (the machine's 20.x) recognises them as ES modules.
.PHONY: test-js
test-js:
	node --test tests/js/

# Every target installs what it needs into .venv first (from a fresh clone too).
# The README's two set-up commands: `make demo` and `make test`.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install generate check-drift lint format typecheck pytest test test-quick demo bench update-spec serve wheel wheel-check clean skill browser canvas docs

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

CHECK_PYTHON := $(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed (the generated code uses 3.11 syntax); set PYTHON=python3.11")'

$(STAMP): pyproject.toml
	@$(CHECK_PYTHON)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# What the demo needs and nothing more: the package with its `server` extra (no development tools).
DEMO_STAMP := $(VENV)/.demo-installed

$(DEMO_STAMP): pyproject.toml
	@$(CHECK_PYTHON)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[server]'
	touch $(DEMO_STAMP)

install: $(STAMP) ## Create .venv and install the package with its dev tools

generate: $(STAMP) ## Regenerate leonardo_realtime_client/_generated from the vendored spec
	$(PY) scripts/generate.py

check-drift: $(STAMP) ## Fail if the generated code or the spec's hash disagree with what is committed
	$(PY) scripts/check_drift.py

lint: $(STAMP) ## ruff check + format check (generated code excluded)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP) ## Apply ruff fixes and formatting to hand-written code
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: $(STAMP) ## mypy --strict over the package (generated code included), scripts, tests and benchmarks
	$(VENV)/bin/mypy --strict leonardo_realtime_client scripts tests benchmarks

pytest: $(STAMP) browser ## The test suite alone
	$(PY) -m pytest

test: lint typecheck pytest check-drift wheel-check docs ## Everything CI runs

test-quick: $(STAMP) ## The inner loop: pytest without the slow tests (tests/conftest.py lists them)
	$(PY) -m pytest -q -m "not slow"

demo: $(DEMO_STAMP) ## The four operations on a sample image, local server, no key -> demo-output/, then next steps (REAL_API=1: Leonardo)
	$(PY) -m leonardo_realtime_client._demo $(if $(REAL_API),--real-api) $(DEMO_ARGS)

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

bench: $(STAMP) $(BENCH_STAMP) ## Client costs vs hand-written code and leonardo-ai-sdk (~2.5 min on 2 quiet cores; writes benchmarks/RESULTS.md)
	$(PY) -m benchmarks $(BENCH_ARGS)

update-spec: $(STAMP) ## Adopt a new spec (JSON or YAML): make update-spec SPEC=<path or URL> [SOURCE=<upstream URL>]
	@test -n "$(SPEC)" || { echo "usage: make update-spec SPEC=<path or URL> [SOURCE=<upstream URL>]"; exit 2; }
	$(PY) scripts/update_spec.py "$(SPEC)" $(if $(SOURCE),--source "$(SOURCE)")

wheel: ## Build the wheel into dist/ (only `build` is installed), for `pip install 'dist/<wheel>[server]'` anywhere
	@$(CHECK_PYTHON)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet build
	$(PY) -m build --wheel --outdir dist .
	@ls dist/*.whl

skill: $(STAMP) ## Regenerate the committed Agent Skill (skills/leonardo-realtime) from the CLI and the constraints table
	$(VENV)/bin/leonardo-realtime skill export skills/leonardo-realtime --overwrite

wheel-check: $(STAMP) ## Build the wheel, install it into a fresh venv, import it there
	$(PY) scripts/wheel_check.py

# The canvas's end-to-end test drives Debian's chromium (a browser downloaded by a test tool cannot be fetched here).
CHROMIUM ?= /usr/bin/chromium

browser: ## Install Debian's chromium for the canvas browser test when missing (needs root; else that test skips)
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium (for tests/canvas/test_browser.py)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium fonts-dejavu-core >/dev/null; \
	else \
		echo "note: $(CHROMIUM) is missing and cannot be installed here (not root, or no apt-get): the browser test skips"; \
	fi

# What the canvas needs and nothing more: the package with its `canvas` extra.
CANVAS_STAMP := $(VENV)/.canvas-installed

$(CANVAS_STAMP): pyproject.toml
	@$(CHECK_PYTHON)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[canvas]'
	touch $(CANVAS_STAMP)

canvas: $(CANVAS_STAMP) ## The browser canvas on the local stand-in (no key, no cost); CANVAS_ARGS="--port 9000 …"
	$(PY) -m leonardo_realtime_client canvas $(CANVAS_ARGS)

# The documentation tools (the `docs` extra; the dev install has them too).
DOCS_STAMP := $(VENV)/.docs-installed

$(DOCS_STAMP): pyproject.toml
	@$(CHECK_PYTHON)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP) ## The documentation site: guide from README.md, API reference from docstrings, --strict -> build/site
	$(PY) scripts/build_docs.py

clean: ## Remove build output and caches (keeps .venv)
	rm -rf dist build .mypy_cache .ruff_cache .pytest_cache .hypothesis demo-output

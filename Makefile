# `make run` and `make test` do all the set-up on a fresh machine (Python 3.11 + make).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-slow test-browser lint bench clean install viewer

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m sim

lint: $(STAMP)
	$(VENV)/bin/ruff check sim tests benchmarks
	$(VENV)/bin/ruff format --check sim tests benchmarks

test: lint
	$(VENV)/bin/pytest -n auto --dist loadfile -m "not slow and not browser"  # one worker per core; a file stays on one worker

test-slow: lint  # the long checks, and the fuzz tests with 1,000 examples each
	$(VENV)/bin/pytest -n auto --dist loadfile -m "slow or fuzz"

# The viewer in a real browser: Debian's chromium (installed here if missing), driven by Playwright.
CHROMIUM ?= /usr/bin/chromium
BROWSER_STAMP := $(VENV)/.browser-stamp

$(BROWSER_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev,browser]"
	touch $(BROWSER_STAMP)

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null

test-browser: $(BROWSER_STAMP) $(CHROMIUM)
	SIM_CHROMIUM=$(CHROMIUM) $(VENV)/bin/pytest -m browser

viewer: $(STAMP)  # the viewer at http://localhost:8765
	$(PY) -m sim.viz

bench: $(STAMP)
	$(PY) benchmarks/bench_model.py
	$(PY) benchmarks/bench_unrest.py
	$(PY) benchmarks/bench_runner.py --runs 100 --memory-runs 300 3000

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache

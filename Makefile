# specscope: two commands for a fresh Debian/Ubuntu machine.
#   make run   install what is missing, then start the app
#   make test  install what is missing (with test extras), start the test services, run every check
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
ARGS ?=

.PHONY: run test system-run system-test lint bench demo clean

run: system-run $(VENV)/.run-installed
	$(VENV)/bin/specscope $(ARGS)

test: system-test $(VENV)/.test-installed
	scripts/run-tests.sh

system-run:
	@scripts/install-system-packages.sh run

system-test:
	@scripts/install-system-packages.sh test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(VENV)/bin/python
	$(VPY) -m pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(VENV)/bin/python
	$(VPY) -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.run-installed

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check app dsp resources tests benchmarks

bench: system-test $(VENV)/.test-installed
	$(VPY) -m pip install -q -e '.[test,bench]'
	$(VPY) benchmarks/bench_export.py

demo: $(VENV)/.run-installed
	$(VPY) resources/make_demo.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

# specscope: two commands for a fresh Debian/Ubuntu machine.
#   make run   install what is missing, then start the app
#   make test  install what is missing (with test extras), start the test services, run every check
#   make test-min     the tests that need no services, against the exact minimum versions of pyproject.toml
#   make screenshots  refresh docs/screenshots (the README's pictures) from the screenshot tests
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
ARGS ?=

.PHONY: run test test-min screenshots system-run system-test lint bench demo clean

run: system-run $(VENV)/.run-installed
	$(VENV)/bin/specscope $(ARGS)

test: system-test $(VENV)/.test-installed
	scripts/run-tests.sh

test-min:
	scripts/check-min-deps.sh

screenshots: system-test $(VENV)/.test-installed
	SPECSCOPE_UPDATE_SCREENSHOTS=1 scripts/run-tests.sh -q tests/app/gui/test_screenshots.py \
	    tests/app/gui/test_file_view.py -k screenshot

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
	rm -rf $(VENV) .venv-min build *.egg-info .pytest_cache

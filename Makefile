# make repro: set up .venv and run the pipeline; make test: set up .venv, add requirements-test.txt
# (KenLM) and run the tests; make any-params: the same set-up, then the tests again in copies with other
# params (tools/any_params.py); make lint: ruff's checks and formatting, as CI runs them;
# make plots: the plots page, offline.
# PYTHON: the Python that creates .venv, e.g. make repro PYTHON=python3.12
PYTHON ?= python3
# TORCH_INDEX: an index to install torch from first; Linux users who want the CPU build (not
# PyPI's CUDA one, gigabytes) set it to https://download.pytorch.org/whl/cpu. Empty: PyPI.
TORCH_INDEX ?=
# SCENARIOS: the scenarios of make any-params, e.g. SCENARIOS="order3 cyrillic". Empty: all.
SCENARIOS ?=
VENV := .venv
# The supported Pythons, as pyproject.toml's requires-python writes them: ">=3.11,<3.15"
PY_RANGE := $(shell sed -n 's/^requires-python *= *"\([^"]*\)".*/\1/p' pyproject.toml)
# torch's pin, as requirements.txt writes it: torch==2.13.0
TORCH_PIN := $(shell grep -o '^torch==[^ #]*' requirements.txt)
PIP := $(VENV)/bin/python -m pip install --quiet --disable-pip-version-check
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export DVC_NO_ANALYTICS := 1

.PHONY: repro test any-params lint plots

repro: $(VENV)/installed
	dvc repro

test: $(VENV)/installed-test
	python -m pytest

any-params: $(VENV)/installed-test
	python -m tools.any_params $(SCENARIOS)

plots: $(VENV)/installed
	python -m tools.plots_page

lint: $(VENV)/installed
	ruff check .
	ruff format --check .

$(VENV)/installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import re, sys; lo, hi = [tuple(map(int, v.split("."))) for v in re.findall(r"[0-9.]+", "$(PY_RANGE)")]; \
	lo <= sys.version_info[:2] < hi or sys.exit("error: Python $(PY_RANGE) is needed, $(PYTHON) is %d.%d; run make PYTHON=python3.12" % sys.version_info[:2])'
	$(PYTHON) -m venv $(VENV)
	$(if $(TORCH_INDEX),$(PIP) --index-url $(TORCH_INDEX) $(TORCH_PIN))
	$(PIP) -r requirements.txt
	touch $@

$(VENV)/installed-test: $(VENV)/installed requirements-test.txt
	$(PIP) -r requirements-test.txt
	touch $@

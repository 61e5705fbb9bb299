# make repro: set up .venv and run the pipeline; make test: set up .venv and run the tests.
VENV := .venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export DVC_NO_ANALYTICS := 1

.PHONY: repro test

repro: $(VENV)/installed
	dvc repro

test: $(VENV)/installed
	python -m pytest

$(VENV)/installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

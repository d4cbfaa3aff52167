# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make demo   generate data and run the whole pipeline on the local engine
#   make test   run the test suite
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install app bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found); set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/c360 run

test: $(STAMP)
	$(BIN)/python -m pytest

app: $(STAMP)
	$(BIN)/c360 app

bench: $(STAMP)
	$(BIN)/c360 bench

clean:
	rm -rf .c360 $(VENV)

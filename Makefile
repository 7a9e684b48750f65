# Every target works on a bare machine: it makes .venv and installs the project first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run stop status test lint format bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "AMM-500 needs Python >= 3.11, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/amm up
	@echo
	@echo "AMM-500 is running under supervisord (paper mode). Stop it with: make stop   (or .venv/bin/amm down)"
	@echo "Control one program with: .venv/bin/supervisorctl -c supervisord.conf restart quoter"
	@if [ -t 0 ]; then $(BIN)/amm watch; echo "Left the live view; the system keeps running (make stop)."; fi

stop: $(STAMP)
	$(BIN)/amm down

status: $(STAMP)
	$(BIN)/amm status

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/amm bench all

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache

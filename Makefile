# The two commands a user needs: `make demo` and `make test`. Everything they depend on
# (the virtualenv, the pinned packages) is built here, so a fresh machine with Python 3.11
# and make is enough.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 120
export PREFECT_HOME ?= $(CURDIR)/.weeder/prefect

.PHONY: demo test install bench lock lint clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

## Run Weeder's main job against the embedded sandbox org, then stop everything it started.
demo: $(STAMP)
	@mkdir -p "$(PREFECT_HOME)"
	$(BIN)/python -m sandbox.demo

## The whole test suite.
test: $(STAMP)
	@mkdir -p "$(PREFECT_HOME)"
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Benchmarks print figures; they never decide pass or fail.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test,bench]"
	@failed=""; for script in bench/*.py; do echo "== $$script"; \
		$(BIN)/python $$script || failed="$$failed $$script"; done; \
		if [ -n "$$failed" ]; then echo "bench scripts that did not finish:$$failed"; exit 1; fi

## Re-resolve the pinned versions (commit the result).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade "pip>=24"
	.lock-venv/bin/python -m pip install --quiet -e ".[test,bench,dev]"
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt
	rm -rf .lock-venv

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(BIN)/ruff check flows connectors engine sandbox tests bench
	$(BIN)/mypy flows connectors engine

clean:
	rm -rf $(VENV) .weeder outbox .pytest_cache

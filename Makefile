# Every target creates .venv when missing and installs the locked stack into it.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export INSIGHTS_HOME ?= $(CURDIR)/.insights
export AIRFLOW_HOME ?= $(INSIGHTS_HOME)/airflow
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PARALLELISM := 4
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := False

.PHONY: install demo test lint lock clean airflow-db

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv
	# Bytecode compiled once here: with PYTHONDONTWRITEBYTECODE set (common in CI images) every dbt,
	# GX and Airflow process would otherwise recompile its imports (~5-10 s each).
	$(BIN)/uv pip install -q --python $(BIN)/python --compile-bytecode -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

demo: install
	$(BIN)/insights demo

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Re-pin after editing the versions in pyproject.toml (the one place they live).
lock:
	uv pip compile -p 3.11 pyproject.toml --extra dev -o requirements.lock

clean:
	rm -rf $(INSIGHTS_HOME) dbt_project/target dbt_project/logs

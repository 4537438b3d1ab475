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

.PHONY: install demo test lint sql-lint lock clean airflow-db bi bi-install bi-lock reports up down status

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

test: install sql-lint
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# `ruff format` is not the project's Python layout (the tree is not formatted by it): ruff check only.
lint: install sql-lint
	$(BIN)/ruff check .

# The SQL (.sqlfluff): the dbt models, macros, tests and staging models, then the quality gate's queries,
# whose templater sqlfluff takes only from the command line (expectations/.sqlfluff).
sql-lint: install
	$(BIN)/sqlfluff lint --processes 2 dbt_project include/insights/sources
	$(BIN)/sqlfluff lint --processes 2 --templater placeholder expectations

# Re-pin after editing the versions in pyproject.toml (the one place they live).
lock:
	uv pip compile -p 3.11 pyproject.toml --extra dev -o requirements.lock

# BI server (Apache Superset) in its own virtualenv: its pins (bi/requirements.in, compiled to
# bi/requirements.lock) do not agree with Airflow's, so it never shares .venv.
BI_VENV := .venv-bi
BI_STAMP := $(BI_VENV)/.installed

bi-install: $(BI_STAMP)

$(BI_STAMP): bi/requirements.lock $(STAMP)
	@test -x $(BI_VENV)/bin/python || $(PYTHON) -m venv $(BI_VENV)
	$(BIN)/uv pip install -q --python $(BI_VENV)/bin/python --compile-bytecode -r bi/requirements.lock
	@touch $(BI_STAMP)

# Initialise Superset under $(INSIGHTS_HOME)/bi, serve http://127.0.0.1:8088 (admin / $$INSIGHTS_BI_PASSWORD,
# default admin), provision the dashboards of bi/dashboards/ on the published marts as the reader role;
# Ctrl-C stops the server's whole process group.
bi: bi-install
	$(BIN)/python -m insights.bi up

bi-lock:
	$(BIN)/uv pip compile -q -p 3.11 bi/requirements.in -o bi/requirements.lock

# The offline reports (KPI overview, catalog, hygiene, Data Docs) and reports/index.html linking them.
reports: install
	$(BIN)/insights report

# The local stack without Docker (insights.stack): the live simulator and Airflow's api-server, scheduler,
# dag-processor and triggerer under honcho (Procfile), in $(INSIGHTS_HOME)/stack. `up` backfills the
# simulator's history with Airflow's backfill and waits for yesterday's publication (WAIT=0: do not wait).
WAIT ?= 20
up: install
	$(BIN)/python -m insights.stack up --wait-minutes $(WAIT)

down:
	@test -x $(BIN)/python && $(BIN)/python -m insights.stack down || echo "no .venv: nothing to stop"

status:
	@$(BIN)/python -m insights.stack status

clean:
	rm -rf $(INSIGHTS_HOME) dbt_project/target dbt_project/logs

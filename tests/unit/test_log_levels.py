"""The levels dbt's and Airflow's output lines are forwarded at: detail at DEBUG, trouble kept visible."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from insights.airflow_local import AIRFLOW_CLI_WARNING_FILTERS, airflow_env, airflow_line_level
from insights.settings import load_settings
from insights.warehouse.dbt import dbt_line_level

DBG, INF, WRN, ERR = logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("05:09:38  1 of 380 START sql table model staging.stg_x ........ [RUN]", DBG),
        ("05:09:38  1 of 380 OK created sql table model staging.stg_x ... [OK in 0.20s]", DBG),
        ("05:09:38  7 of 380 PASS not_null_stg_x_id ..................... [PASS in 0.05s]", DBG),
        ("05:09:38  8 of 380 WARN 3 accepted_range_x .................... [WARN 3 in 0.05s]", WRN),
        ("05:09:38  9 of 380 FAIL 2 unique_x ............................ [FAIL 2 in 0.05s]", WRN),
        ("05:09:38  9 of 380 ERROR creating sql table model marts.x ..... [ERROR in 0.05s]", WRN),
        ("05:09:35  [WARNING]: Configuration paths exist in your dbt_project.yml file", WRN),
        ("05:10:26  Completed with 1 error, 0 partial successes, and 0 warnings:", WRN),
        ("05:10:26  Done. PASS=380 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=380", DBG),
        ("05:09:14  Running with dbt=1.11.0", DBG),
        ("05:10:25  Finished running 12 incremental models, 318 data tests in 0 hours 0 minutes", DBG),
    ],
)
def test_dbt_line_levels(line: str, level: int) -> None:
    assert dbt_line_level(line) == level


AF = "2026-12-05T05:13:04.705609Z"


@pytest.mark.parametrize(
    ("line", "previous", "level"),
    [
        (
            f"{AF} [info     ] [DAG TEST] starting task_id=extract [airflow.sdk.definitions.dag] loc=dag.py:1501",
            DBG,
            DBG,
        ),
        (f"{AF} [info     ] Context impl SQLiteImpl. [alembic.runtime.migration] loc=migration.py:205", DBG, DBG),
        (
            f"{AF} [info     ] zendesk: [2026-10-31, 2026-11-01) done: 7 records [insights.pipeline] loc=extract.py:9",
            DBG,
            INF,
        ),
        (f"{AF} [debug    ] zendesk: GET http://x -> HTTP 200 [insights.extraction.http] loc=http.py:229", DBG, DBG),
        (f"{AF} [warning  ] no Postgres at the default serving DSN [insights.pipeline] loc=pipeline.py:1", DBG, WRN),
        (f"{AF} [error    ] Task failed with exception [task] loc=task_runner.py:1", DBG, ERR),
        ("You might need to install the graphviz package and necessary system packages.", WRN, WRN),
        ("Traceback (most recent call last):", ERR, ERR),
    ],
)
def test_airflow_line_levels(line: str, previous: int, level: int) -> None:
    assert airflow_line_level(line, previous) == level


def test_the_warning_filters_name_one_module_each() -> None:
    """Narrow filters: each names its message, category and module, none silences a whole category."""
    for spec in AIRFLOW_CLI_WARNING_FILTERS:
        action, message, category, module = spec.split(":")
        assert action == "ignore" and message and category == "UserWarning" and module.count(".") >= 1


@pytest.mark.slow  # two interpreter starts importing Airflow's CLI and FastAPI (~10 s)
def test_the_airflow_cli_warnings_are_filtered_at_their_origin(tmp_path: Path) -> None:
    probe = "import airflow.cli.commands.dag_command, fastapi.testclient"
    settings = load_settings()
    env = {**airflow_env(settings), "AIRFLOW_HOME": str(tmp_path / "airflow")}
    plain = {**env, "PYTHONWARNINGS": ""}
    unfiltered = subprocess.run([sys.executable, "-c", probe], env=plain, capture_output=True, text=True, check=True)
    assert "Could not import graphviz" in unfiltered.stdout + unfiltered.stderr  # the check can see them
    assert "starlette.testclient` is deprecated" in unfiltered.stdout + unfiltered.stderr
    filtered = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert "graphviz" not in filtered.stdout + filtered.stderr
    assert "deprecated" not in filtered.stdout + filtered.stderr

"""Warehouse build: load the raw zone, then dbt layer by layer, once all three sources landed.

One task per dbt layer keeps lineage and retries visible in Airflow without a task per model
(DuckDB has a single writer, so model-level parallelism would only contend for its lock).
"""

from datetime import timedelta
from typing import Any

from airflow.sdk import dag, task

from insights.dag_toolkit import DEFAULT_ARGS, EXTRACT_SOURCES, START_DATE, raw_asset

DBT_LAYERS = ("staging", "intermediate", "marts", "audit")


@dag(
    dag_id="warehouse_build",
    schedule=[raw_asset(source) for source in EXTRACT_SOURCES],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    max_active_tasks=1,
    default_args=DEFAULT_ARGS,
    tags=["product-insights", "warehouse"],
    doc_md=__doc__,
)
def warehouse_build() -> None:
    @task(execution_timeout=timedelta(hours=1))
    def load_raw_zone() -> dict[str, Any]:
        from insights.pipeline import load_raw_zone as run_load

        return run_load()

    @task(execution_timeout=timedelta(hours=2))
    def dbt_build_layer(layer: str) -> None:
        from insights.pipeline import dbt_build_layer as run_layer

        run_layer(layer)

    previous = load_raw_zone()
    for layer in DBT_LAYERS:
        step = dbt_build_layer.override(task_id=f"dbt_{layer}")(layer)
        previous >> step
        previous = step


warehouse_build()

"""Warehouse build: load the raw zone, dbt layer by layer, the quality gate, then publication.

Runs once all three sources landed (their raw assets). One task per dbt layer keeps lineage
and retries visible in Airflow without a task per model (DuckDB has a single writer, so
model-level parallelism would only contend for its lock). Write-audit-publish: `publish`
runs only when `quality_gate` passed; on failure readers keep the last good publication and
the candidate warehouse stays for inspection.
"""

from datetime import timedelta
from typing import Any

from airflow.sdk import Asset, dag, task

from insights.dag_toolkit import DEFAULT_ARGS, EXTRACT_SOURCES, START_DATE, raw_asset

DBT_LAYERS = ("staging", "intermediate", "marts", "audit")
PUBLISHED_MARTS = Asset(uri="file://insights/published/marts", name="published_marts")


@dag(
    dag_id="warehouse_build",
    schedule=[raw_asset(source) for source in EXTRACT_SOURCES],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    max_active_tasks=1,
    default_args=DEFAULT_ARGS,
    tags=["product-insights", "warehouse", "quality", "publish"],
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

    @task(execution_timeout=timedelta(hours=1), retries=1)  # data failures repeat; one retry for transient ones
    def quality_gate() -> dict[str, Any]:
        from insights.pipeline import quality_gate as run_gate

        result = run_gate()
        return {"passed": result.passed, "data_docs": str(result.data_docs)}

    @task(execution_timeout=timedelta(hours=1), outlets=[PUBLISHED_MARTS])
    def publish() -> dict[str, Any]:
        from insights.pipeline import publish_marts

        result = publish_marts()
        return {"version": result.version, "tables": len(result.tables)}

    previous = load_raw_zone()
    for layer in DBT_LAYERS:
        step = dbt_build_layer.override(task_id=f"dbt_{layer}")(layer)
        previous >> step
        previous = step
    previous >> quality_gate() >> publish()


warehouse_build()

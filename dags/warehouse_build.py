"""Warehouse build: load the raw zone, dbt layer by layer, the quality gate, then publication.

Runs once all three sources landed (their raw assets). One `dbt_build` task runs the four dbt
layers (staging, intermediate, marts, audit) in order in one process on one parse, logging each
layer's progress, result and failed nodes (a process per layer paid ~10 s of dbt start-up each);
a failed layer fails the task and stops the later layers. No task per model: DuckDB has a single
writer, so model-level parallelism would only contend for its lock. Write-audit-publish: `publish`
runs only when `quality_gate` passed; on failure readers keep the last good publication and
the candidate warehouse stays for inspection.
"""

from datetime import timedelta
from typing import Any

from airflow.sdk import Asset, dag, task

from insights.dag_toolkit import DEFAULT_ARGS, EXTRACT_SOURCES, START_DATE, raw_asset

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
    def dbt_build() -> dict[str, float]:
        from insights.pipeline import dbt_build_night

        return {layer: round(result.seconds, 1) for layer, result in dbt_build_night().items()}

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

    load_raw_zone() >> dbt_build() >> quality_gate() >> publish()


warehouse_build()

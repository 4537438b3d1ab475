"""Weekly tracker and metric hygiene audit (Product Ops).

Audits the run's logical date as reference day: the tracking-plan findings over the valid
events of the hygiene window ending that day, the metric findings of the dbt project as it is
now, the usage ledger and the product barometer marts, then writes the HTML report under
`$INSIGHTS_HOME/reports/hygiene/`. The logical date of a weekly data interval is its start, so
the audited window is complete (late uploads included) by the time the run starts a week later;
re-running a date replaces that day's findings. The warehouse must be built (warehouse_build);
when a build holds the warehouse lock the task fails fast and its retries try again.
"""

from datetime import timedelta
from typing import Any

from airflow.sdk import dag, task

from insights.dag_toolkit import DEFAULT_ARGS, START_DATE, WEEKLY, as_utc


@dag(
    dag_id="audit_hygiene",
    schedule=WEEKLY,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["product-insights", "audit"],
    doc_md=__doc__,
)
def audit_hygiene() -> None:
    @task(execution_timeout=timedelta(hours=1))
    def hygiene_audit(**context: Any) -> dict[str, Any]:
        from insights.pipeline import hygiene_audit as run_hygiene_audit

        logical = context.get("logical_date") or context["data_interval_start"]
        result = run_hygiene_audit(as_utc(logical).date())
        return {
            "reference_day": result.reference_day.isoformat(),
            "findings": result.finding_counts,
            "report": str(result.report_path),
        }

    hygiene_audit()


audit_hygiene()

"""Shared pieces of this project's DAGs: defaults, tags, assets and the extraction DAG factory.

Imported at DAG-parse time, so it imports only Airflow's SDK and the standard library;
every task imports its real work lazily from `insights.pipeline`.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.providers.standard.sensors.time_delta import TimeDeltaSensor
from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, dag, task

from insights.alerts import on_failure
from insights.sources import availability_delay, source_names

OWNER = "data-platform"
EXTRACT_SOURCES = source_names()
# The fixed vocabulary of DAG tags (tests/dags enforces it): the pipeline stages plus each registered source.
ALLOWED_TAGS = frozenset({"product-insights", "extract", "warehouse", "quality", "publish", "audit", *EXTRACT_SOURCES})


# DAG-level scheduling settings, read at parse time from the environment of the dag-processor (the
# local stack sets them from the simulator's history): the first night a DAG may run, and whether the
# scheduler itself creates every missed night (the stack leaves catch-up off and backfills the history
# with Airflow's backfill instead).
def _schedule_start() -> datetime:
    text = os.environ.get("INSIGHTS_SCHEDULE_START", "").strip()
    if not text:
        return datetime(2026, 8, 3, tzinfo=UTC)  # the demo world's first day
    start = datetime.fromisoformat(text)
    return start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)


START_DATE = _schedule_start()
CATCHUP = os.environ.get("INSIGHTS_SCHEDULE_CATCHUP", "false").strip().lower() in {"1", "true", "yes"}
NIGHTLY = CronDataIntervalTimetable("0 0 * * *", timezone="UTC")
WEEKLY = CronDataIntervalTimetable("0 3 * * 1", timezone="UTC")

# Local `airflow dags test` runs (the demo, the tests) shorten the wait between retries.
RETRY_DELAY = timedelta(seconds=int(os.environ.get("INSIGHTS_RETRY_DELAY_SECONDS", "300")))

DEFAULT_ARGS: dict[str, Any] = {
    "owner": OWNER,
    "retries": 2,
    "retry_delay": RETRY_DELAY,
    "retry_exponential_backoff": True,
    "on_failure_callback": on_failure,
}


def raw_asset(source: str) -> Asset:
    """The raw-zone dataset an extraction DAG updates; the warehouse DAG is scheduled on these."""
    return Asset(uri=f"file://insights/raw/{source}", name=f"raw_{source}")


def as_utc(value: Any) -> datetime:
    """Airflow hands pendulum datetimes to tasks; the pipeline takes plain aware datetimes."""
    return datetime.fromtimestamp(value.timestamp(), tz=UTC)


WAIT_TASK_ID = "wait_for_availability"


def availability_wait(source: str) -> TimeDeltaSensor:
    """Wait until the source serves all of the data interval: interval end + the source's declared
    availability delay (insights.sources.<source>.SPEC).

    Deferrable: the wait sits in the triggerer, not in a worker slot. When the target time is already
    past (a backfill, a late run) it returns at once. A timetable offset was not used: a run_after
    later than the interval end can make the scheduler skip intervals (apache/airflow#51840); nor
    reschedule mode, which still takes a worker slot at every poke (docs/contracts.md, "Waiting").
    """
    delay = availability_delay(source)
    return TimeDeltaSensor(
        task_id=WAIT_TASK_ID,
        delta=delay,
        deferrable=True,
        timeout=(delay + timedelta(hours=1)).total_seconds(),
        doc_md=f"Wait until {source} serves the whole data interval: its end + {delay} (the source's "
        "declared availability delay). Deferred to the triggerer; immediate when that time is past.",
    )


def extract_dag(source: str) -> DAG:
    """One nightly, backfill-capable extraction DAG for a source, driven by its data interval: wait for
    the source's availability, then extract."""

    @dag(
        dag_id=f"extract_{source}",
        schedule=NIGHTLY,
        start_date=START_DATE,
        catchup=CATCHUP,
        max_active_runs=1,  # a source's cursor state is advanced by one run at a time
        default_args=DEFAULT_ARGS,
        tags=["product-insights", "extract", source],
        doc_md=f"Wait until **{source}** serves the run's data interval (its availability delay), extract "
        f"it into the raw zone (`$INSIGHTS_HOME/raw/{source}/`), then mark the `raw_{source}` asset updated.",
    )
    def extraction() -> None:
        @task(outlets=[raw_asset(source)], execution_timeout=timedelta(hours=2))
        def extract(**context: Any) -> dict[str, Any]:
            from airflow.sdk.log import mask_secret

            from insights.extraction.http import CREDENTIAL_ENV
            from insights.pipeline import extract as run_extract

            # Credentials come from the environment (or a connection exported to it); Airflow only
            # masks values it knows, so register them before anything could log them.
            for name in CREDENTIAL_ENV[source]:
                if os.environ.get(name) and not name.endswith("_EMAIL"):
                    mask_secret(os.environ[name], name)

            result = run_extract(source, as_utc(context["data_interval_start"]), as_utc(context["data_interval_end"]))
            return {
                "records_landed": result.records_landed,
                "records_quarantined": result.records_quarantined,
                "complete": result.complete,
                "not_available": result.not_available,
            }

        availability_wait(source) >> extract()

    return extraction()

"""Read what the hygiene report and summary show from the audit tables of the warehouse."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from insights.settings import Settings
from insights.warehouse import connect, schema_name

NO_OWNER = "(no owner)"
UNPLANNED_OWNER = "(unplanned: no owner)"


class AuditNotFoundError(LookupError):
    """The warehouse holds no audit of the requested reference day."""


@dataclass(frozen=True)
class TrackingFinding:
    event_type: str
    finding: str
    detail: str
    events_in_window: int
    owner: str


@dataclass(frozen=True)
class MetricFinding:
    metric_name: str
    finding: str
    detail: str
    owner: str


@dataclass(frozen=True)
class LedgerRow:
    event_type: str
    plan_status: str
    owner: str | None
    events_in_window: int
    volume_share: float
    usage_channels: str | None
    feeding_models: str | None
    feeding_metrics: str | None
    is_billed_but_unused: bool


@dataclass(frozen=True)
class DailyVolume:
    event_date: date
    unplanned_events: int
    all_events: int


@dataclass(frozen=True)
class PropertyViolation:
    event_type: str
    property_name: str
    property_type: str
    violation: str
    violating_events: int
    example_event_uuid: str | None  # Amplitude's uuid of one violating event
    example_value_type: str | None  # JSON type of its offending value (never the value: it may be personal data)


@dataclass(frozen=True)
class BarometerEdition:
    edition: str
    invited_pms: int
    respondents: int
    response_rate: float | None


@dataclass(frozen=True)
class BarometerTheme:
    edition: str
    theme: str
    responses: int
    average_score: float | None
    change_since_previous_edition: float | None


@dataclass(frozen=True)
class ReportData:
    reference_day: date
    window_days: int
    findings: tuple[TrackingFinding, ...]
    metric_findings: tuple[MetricFinding, ...]
    metric_snapshot_date: date | None
    ledger: tuple[LedgerRow, ...]
    daily: tuple[DailyVolume, ...]
    violations: tuple[PropertyViolation, ...]
    history: tuple[tuple[date, str, int], ...]  # (reference day, finding, rows) of every audited day
    barometer_editions: tuple[BarometerEdition, ...]
    barometer_themes: tuple[BarometerTheme, ...]
    # (event day, event type, planned, valid events) over the window: the trackers' volume over time
    volume_by_type: tuple[tuple[date, str, bool, int], ...] = ()

    @property
    def window_start(self) -> date:
        return self.reference_day - timedelta(days=self.window_days - 1)

    def tracking_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for finding in self.findings:
            counts[finding.finding] = counts.get(finding.finding, 0) + 1
        return counts

    def metric_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for finding in self.metric_findings:
            counts[finding.finding] = counts.get(finding.finding, 0) + 1
        return counts


class _Reader:
    def __init__(self, con: Any, target: str) -> None:
        self.con, self.target = con, target
        self.audit, self.marts = schema_name("audit", target), schema_name("marts", target)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        sql = sql.format(audit=self.audit, marts=self.marts)
        if self.target == "duckdb":
            return self.con.execute(sql.replace("%s", "?"), list(params)).fetchall()
        with self.con.cursor() as cur:
            cur.execute(sql, list(params))
            return cur.fetchall()

    def table_exists(self, schema: str, table: str) -> bool:
        return bool(
            self.rows(
                "select count(*) from information_schema.tables where table_schema = %s and table_name = %s",
                [schema, table],
            )[0][0]
        )


@contextmanager
def _reader(settings: Settings, target: str) -> Iterator[_Reader]:
    if target == "duckdb":
        import duckdb

        if not settings.warehouse.is_file():
            raise AuditNotFoundError(f"{settings.warehouse}: no warehouse; build it and run the audit first")
        con = duckdb.connect(str(settings.warehouse), read_only=True)
        try:
            yield _Reader(con, target)
        finally:
            con.close()
    else:
        with connect(settings, target) as con:
            yield _Reader(con, target)


def _findings(reader: _Reader, day: date) -> tuple[TrackingFinding, ...]:
    rows = reader.rows(
        """
        select findings.event_type, findings.finding, findings.detail, findings.events_in_window, ledger.owner
        from {audit}.tracking_plan_findings as findings
        left join {audit}.event_usage_ledger as ledger
            on findings.reference_date = ledger.reference_date and findings.event_type = ledger.event_type
        where findings.reference_date = %s
        order by findings.finding, findings.events_in_window desc, findings.event_type
        """,
        [day],
    )
    return tuple(TrackingFinding(e, f, d, int(n), owner or UNPLANNED_OWNER) for e, f, d, n, owner in rows)


def _metric_findings(reader: _Reader) -> tuple[tuple[MetricFinding, ...], date | None]:
    snapshot = reader.rows("select snapshot_date from {audit}.int_audit__definition_snapshots")
    snapshot_date = snapshot[0][0] if snapshot else None
    rows = reader.rows(
        """
        select findings.metric_name, findings.finding, findings.detail, coalesce(metrics.owner, models.owner)
        from {audit}.metric_findings as findings
        cross join {audit}.int_audit__definition_snapshots as snapshots
        left join {audit}.int_audit__recorded_metric_definitions as metrics
            on findings.metric_name = metrics.metric_name and metrics.reference_date = snapshots.snapshot_date
        left join {audit}.int_audit__recorded_project_models as models
            on findings.metric_name = models.model_name and models.reference_date = snapshots.snapshot_date
        order by findings.finding, findings.metric_name
        """
    )
    return tuple(MetricFinding(m, f, d, owner or NO_OWNER) for m, f, d, owner in rows), snapshot_date


def read_report_data(settings: Settings, reference_day: date, target: str = "duckdb") -> ReportData:
    """Everything the report shows for one audited reference day.

    Metric findings are the current state (metric_findings is rebuilt by every audit build), the
    rest is the reference day's. Raises AuditNotFoundError when that day was never audited.
    """
    window_days = int(settings.workspace.settings["hygiene_window_days"])
    with _reader(settings, target) as reader:
        if not reader.table_exists(reader.audit, "event_usage_ledger"):
            raise AuditNotFoundError(f"{settings.warehouse}: no audit tables yet; run the audit first")
        audited = reader.rows(
            "select count(*) from {audit}.event_usage_ledger where reference_date = %s", [reference_day]
        )[0][0]
        if not audited:
            days = [
                r[0]
                for r in reader.rows(
                    "select distinct reference_date from {audit}.event_usage_ledger order by 1 desc limit 5"
                )
            ]
            raise AuditNotFoundError(
                f"no audit of reference day {reference_day} in the warehouse; audited days: "
                f"{', '.join(str(d) for d in days) or 'none'}"
            )
        metric_findings, snapshot_date = _metric_findings(reader)
        ledger = tuple(
            LedgerRow(e, s, o, int(n), float(v), c, m, x, bool(b))
            for e, s, o, n, v, c, m, x, b in reader.rows(
                """
                select event_type, plan_status, owner, events_in_window, volume_share, usage_channels,
                    feeding_models, feeding_metrics, is_billed_but_unused
                from {audit}.event_usage_ledger where reference_date = %s
                order by events_in_window desc, event_type
                """,
                [reference_day],
            )
        )
        daily = tuple(
            DailyVolume(d, int(u), int(a))
            for d, u, a in reader.rows(
                """
                select event_date, sum(case when is_planned then 0 else events end), sum(events)
                from {audit}.event_volume_daily where reference_date = %s
                group by event_date order by event_date
                """,
                [reference_day],
            )
        )
        violations = tuple(
            PropertyViolation(*row[:4], int(row[4]), *row[5:])
            for row in reader.rows(
                """
                select event_type, property_name, property_type, violation, violating_events,
                    example_event_uuid, example_value_type
                from {audit}.tracking_plan_property_violations where reference_date = %s
                order by violating_events desc, event_type, property_name, violation
                """,
                [reference_day],
            )
        )
        volume_by_type = tuple(
            (d, e, bool(p), int(n))
            for d, e, p, n in reader.rows(
                """
                select event_date, event_type, is_planned, events
                from {audit}.event_volume_daily where reference_date = %s
                order by event_date, event_type
                """,
                [reference_day],
            )
        )
        history = tuple(
            (d, f, int(n))
            for d, f, n in reader.rows(
                """
                select reference_date, finding, count(*) from {audit}.tracking_plan_findings
                where reference_date <= %s group by reference_date, finding order by reference_date, finding
                """,
                [reference_day],
            )
        )
        editions: tuple[BarometerEdition, ...] = ()
        themes: tuple[BarometerTheme, ...] = ()
        if reader.table_exists(reader.marts, "metrics_barometer_editions"):
            editions = tuple(
                BarometerEdition(e, int(i), int(r), rate)
                for e, i, r, rate in reader.rows(
                    "select edition, invited_pms, respondents, response_rate "
                    "from {marts}.metrics_barometer_editions order by edition"
                )
            )
            themes = tuple(
                BarometerTheme(e, t, int(n), avg, change)
                for e, t, n, avg, change in reader.rows(
                    "select edition, theme, responses, average_score, change_since_previous_edition "
                    "from {marts}.metrics_barometer_theme_scores order by edition, theme"
                )
            )
        return ReportData(
            reference_day=reference_day,
            window_days=window_days,
            findings=_findings(reader, reference_day),
            metric_findings=metric_findings,
            metric_snapshot_date=snapshot_date,
            ledger=ledger,
            daily=daily,
            violations=violations,
            history=history,
            barometer_editions=editions,
            barometer_themes=themes,
            volume_by_type=volume_by_type,
        )


def last_loaded_day(settings: Settings, target: str = "duckdb") -> date | None:
    """The last day the loaded events cover (intermediate.int_events__loaded_days, the day the audit
    models take when given no reference day): what `insights audit` audits by default. None when no
    event is loaded yet."""
    with _reader(settings, target) as reader:
        intermediate = schema_name("intermediate", target)
        if not reader.table_exists(intermediate, "int_events__loaded_days"):
            return None
        rows = reader.rows(f"select max(last_loaded_day) from {intermediate}.int_events__loaded_days")
        return rows[0][0] if rows else None

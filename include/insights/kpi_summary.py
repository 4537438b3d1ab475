"""A short, plain-text KPI summary read from the published snapshot (`insights kpis`, end of `insights demo`).

It reads what PMs read: the serving schema's views of the last publication, not the candidate
warehouse, which may hold a build the quality gate has not passed (or failed).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

# (label, SQL over one governed mart written `{s}.<mart>`, formatter); each reads its mart's latest row.
KPI_QUERIES: list[tuple[str, str, str]] = [
    (
        "Active users (latest day)",
        "select date_day, dau, wau, mau, stickiness from {s}.metrics_active_users_daily order by date_day desc limit 1",
        "{0}: DAU {1}, WAU {2}, MAU {3}, stickiness {4:.1%}",
    ),
    (
        "Retention (latest cohort with day-28 data)",
        "select cohort_date, cohort_size, day_1_retention, day_7_retention, day_28_retention "
        "from {s}.metrics_retention_cohorts where day_28_retention is not null "
        "order by cohort_date desc limit 1",
        "cohort {0} ({1} users): D1 {2:.1%}, D7 {3:.1%}, D28 {4:.1%}",
    ),
    (
        "Activation (latest cohort with a full week)",
        "select cohort_date, activation_rate from {s}.metrics_retention_cohorts "
        "where activation_rate is not null order by cohort_date desc limit 1",
        "cohort {0}: {1:.1%} activated",
    ),
    (
        "NPS (latest month, all plans)",
        "select month_start, responses, nps from {s}.metrics_nps_monthly where segment = 'all' "
        "order by month_start desc limit 1",
        "{0}: NPS {2:+.0f} over {1} responses",
    ),
    (
        "CSAT (latest month)",
        "select month_start, rated_tickets, csat from {s}.metrics_csat_monthly order by month_start desc limit 1",
        "{0}: {2:.1%} satisfied over {1} rated tickets",
    ),
    (
        "Unrouted feedback (latest week)",
        "select week_start, items, unrouted_share from {s}.metrics_feedback_unrouted_weekly "
        "order by week_start desc limit 1",
        "week of {0}: {2:.1%} of {1} items have no owning team",
    ),
]


class NoPublicationError(RuntimeError):
    """Nothing readable is published yet: there is no KPI to show."""


def _publication(con: duckdb.DuckDBPyConnection, schema: str) -> tuple[int, str] | None:
    try:
        row = con.execute(f'select max(version), max(published_at) from "{schema}"."_publication"').fetchone()
    except duckdb.Error:
        return None
    return (int(row[0]), str(row[1])[:19]) if row and row[0] is not None else None


def kpi_summary(snapshot: Path) -> str:
    """The KPI lines of the published snapshot; NoPublicationError when there is none (or it is unreadable)."""
    from insights.reports.overview import published_schema

    if not snapshot.is_file():
        raise NoPublicationError(
            f"nothing published yet at {snapshot}: run `make demo`, or `insights backfill` "
            "(or `insights gate` then `insights publish`) first"
        )
    try:
        con = duckdb.connect(str(snapshot), read_only=True)
    except duckdb.Error as exc:
        raise NoPublicationError(f"{snapshot} cannot be read as a published snapshot: {exc}") from exc
    with con:
        schema = published_schema(con)
        publication = _publication(con, schema)
        if publication is None:
            raise NoPublicationError(
                f"{snapshot} holds no publication record ({schema}._publication): publish again with `insights publish`"
            )
        version, published_at = publication
        lines = [f"KPI summary of publication {version} ({published_at} UTC, {snapshot})"]
        for label, sql, template in KPI_QUERIES:
            try:
                row = con.execute(sql.format(s=f'"{schema}"')).fetchone()
            except duckdb.CatalogException:
                lines.append(f"  {label}: mart not published")
                continue
            if row is None or any(value is None for value in row):
                lines.append(f"  {label}: no data")
            else:
                lines.append(f"  {label}: {template.format(*row)}")
    return "\n".join(lines)

"""A short, plain-text KPI summary read from the governed marts (what `insights demo` prints)."""

from __future__ import annotations

from pathlib import Path

import duckdb

# (label, SQL over one mart, formatter); each reads the latest complete row of its mart.
KPI_QUERIES: list[tuple[str, str, str]] = [
    ("Active users (latest day)",
     "select date_day, dau, wau, mau, stickiness from marts.metrics_active_users_daily "
     "order by date_day desc limit 1",
     "{0}: DAU {1}, WAU {2}, MAU {3}, stickiness {4:.1%}"),
    ("Retention (latest cohort with day-28 data)",
     "select cohort_date, cohort_size, day_1_retention, day_7_retention, day_28_retention "
     "from marts.metrics_retention_cohorts where day_28_retention is not null "
     "order by cohort_date desc limit 1",
     "cohort {0} ({1} users): D1 {2:.1%}, D7 {3:.1%}, D28 {4:.1%}"),
    ("Activation (latest cohort with a full week)",
     "select cohort_date, activation_rate from marts.metrics_retention_cohorts "
     "where activation_rate is not null order by cohort_date desc limit 1",
     "cohort {0}: {1:.1%} activated"),
    ("NPS (latest month, all plans)",
     "select month_start, responses, nps from marts.metrics_nps_monthly where segment = 'all' "
     "order by month_start desc limit 1",
     "{0}: NPS {2:+.0f} over {1} responses"),
    ("CSAT (latest month)",
     "select month_start, rated_tickets, csat from marts.metrics_csat_monthly "
     "order by month_start desc limit 1",
     "{0}: {2:.1%} satisfied over {1} rated tickets"),
    ("Unrouted feedback (latest week)",
     "select week_start, items, unrouted_share from marts.metrics_feedback_unrouted_weekly "
     "order by week_start desc limit 1",
     "week of {0}: {2:.1%} of {1} items have no owning team"),
]


def kpi_summary(warehouse: Path) -> str:
    if not warehouse.exists():
        return f"no warehouse at {warehouse}: run `insights backfill` or `make demo` first"
    lines = [f"KPI summary from {warehouse}"]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for label, sql, template in KPI_QUERIES:
            try:
                row = connection.execute(sql).fetchone()
            except duckdb.CatalogException:
                lines.append(f"  {label}: mart not built yet")
                continue
            if row is None or any(value is None for value in row):
                lines.append(f"  {label}: no data")
            else:
                lines.append(f"  {label}: {template.format(*row)}")
    return "\n".join(lines)

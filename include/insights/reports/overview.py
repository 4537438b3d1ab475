"""The KPI overview: the headline KPIs' trends and curves from the published snapshot, drawn with
Altair and rendered to inline SVG offline (vl-convert), one page, no script. Every chart links to the
definitions of the metrics it shows in the KPI catalog. Days, weeks and months whose data is still
arriving (a mart's `is_complete` is false, metrics.md 1.6) are ringed in amber; a mart without the
column yet is drawn unmarked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import altair as alt
import duckdb
import pandas as pd

from insights.reports.charts import INCOMPLETE_COLOUR, to_svg
from insights.reports.rendering import render, write_report
from insights.settings import Settings

WIDTH, HEIGHT = 760, 230
COMPLETE = "is_complete"


@dataclass(frozen=True)
class OverviewChart:
    slug: str
    title: str
    description: str
    metrics: tuple[str, ...]  # definitions in the catalog: metric names, or mart-<table> for a mart's docs
    svg: str | None
    missing: str | None = None  # why there is no chart (mart not published, no rows)
    latest: str | None = None  # the last complete period and its values, as text


def published_schema(con: duckdb.DuckDBPyConnection) -> str:
    """The snapshot's serving schema (INSIGHTS_SERVING_SCHEMA at publication): the one holding _publication."""
    rows = con.execute("select schema_name from duckdb_tables() where table_name = '_publication' union "
                       "select schema_name from duckdb_views() where view_name = '_publication'").fetchall()
    return rows[0][0] if rows else "analytics"


@dataclass
class Snapshot:
    con: duckdb.DuckDBPyConnection
    tables: set[str] = field(default_factory=set)
    schema: str = "analytics"

    def frame(self, table: str, sql: str) -> pd.DataFrame | None:
        """`sql` over analytics.<table> (written `{t}`), plus is_complete when the mart has it."""
        if table not in self.tables:
            return None
        columns = {r[0] for r in self.con.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
            [self.schema, table]).fetchall()}
        completeness = f"t.{COMPLETE}" if COMPLETE in columns else "true"
        frame = self.con.execute(sql.format(t=f"{self.schema}.{table} as t", complete=completeness)).df()
        return frame if len(frame) else None


def _marked(base: alt.Chart, frame: pd.DataFrame, x: str, y: str) -> alt.LayerChart | alt.Chart:
    """`base` plus an amber ring on each incomplete period."""
    if COMPLETE not in frame or frame[COMPLETE].all():
        return base
    rings = alt.Chart(frame[~frame[COMPLETE].astype(bool)]).mark_point(
        size=160, filled=False, strokeWidth=2.2, color=INCOMPLETE_COLOUR).encode(x=x, y=y)
    return alt.layer(base, rings)


def _lines(frame: pd.DataFrame, x: str, series: dict[str, str], fmt: str, x_type: str = "T") -> str:
    """One line per column of `series` (column -> label), long format for Altair."""
    keep = [x, *series] + ([COMPLETE] if COMPLETE in frame else [])
    long = frame[keep].melt(id_vars=[c for c in (x, COMPLETE) if c in frame], var_name="series", value_name="value")
    long["series"] = long["series"].map(series)
    long = long.dropna(subset=["value"])
    x_enc = f"{x}:{x_type}"
    axis = alt.Axis(format="%b %Y" if x.startswith("month") else "%b %d", labelOverlap=True)
    base = alt.Chart(long, width=WIDTH, height=HEIGHT).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=alt.X(x_enc, title=None, axis=axis),
        y=alt.Y("value:Q", title=None, axis=alt.Axis(format=fmt)),
        color=alt.Color("series:N", title=None, sort=list(series.values()), legend=alt.Legend(labelLimit=260)),
        tooltip=[x_enc, "series:N", alt.Tooltip("value:Q", format=fmt)],
    )
    return to_svg(_marked(base, long, x_enc, "value:Q"))


def _latest(frame: pd.DataFrame, x: str, columns: dict[str, str], fmt: Callable[[float], str]) -> str | None:
    complete = frame[frame[COMPLETE].astype(bool)] if COMPLETE in frame else frame
    complete = complete.dropna(subset=list(columns))
    if complete.empty:
        return None
    row = complete.sort_values(x).iloc[-1]
    when = row[x].date() if hasattr(row[x], "date") else row[x]
    return f"{when}: " + ", ".join(f"{label} {fmt(row[column])}" for column, label in columns.items())


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _share(value: float) -> str:
    return f"{value:.1%}"


def build_charts(snapshot: Snapshot) -> list[OverviewChart]:
    charts: list[OverviewChart] = []

    def add(slug: str, title: str, description: str, metrics: tuple[str, ...], table: str,
            draw: Callable[[pd.DataFrame], tuple[str, str | None]], sql: str) -> None:
        frame = snapshot.frame(table, sql)
        if frame is None:
            why = "not published yet" if table not in snapshot.tables else "no row yet"
            charts.append(OverviewChart(slug, title, description, metrics, None, f"{snapshot.schema}.{table}: {why}"))
            return
        svg, latest = draw(frame)
        charts.append(OverviewChart(slug, title, description, metrics, svg, None, latest))

    active = {"dau": "DAU", "wau": "WAU", "mau": "MAU"}
    add("active-users", "Active users per day", "Users with a qualifying event on the day (DAU), in the 7 days "
        "(WAU) and 28 days (MAU) ending on it.", ("dau", "wau", "mau"), "metrics_active_users_daily",
        lambda f: (_lines(f, "date_day", active, ",.0f"), _latest(f, "date_day", active, _count)),
        "select t.date_day, t.dau, t.wau, t.mau, {complete} as is_complete from {t} order by 1")
    add("stickiness", "Stickiness (DAU / MAU)", "How many of the month's users come on a given day.",
        ("stickiness",), "metrics_active_users_daily",
        lambda f: (_lines(f, "date_day", {"stickiness": "stickiness"}, ".0%"),
                   _latest(f, "date_day", {"stickiness": "stickiness"}, _share)),
        "select t.date_day, t.stickiness, {complete} as is_complete from {t} order by 1")
    add("retention-curves", "Retention curves by cohort week", "Share of a cohort (users first seen in the "
        "week) active 1, 7 and 28 days after their first day, weighted by cohort size.",
        ("day_1_retention", "day_7_retention", "day_28_retention"), "metrics_retention_cohorts",
        _retention_curves,
        "select date_trunc('week', t.cohort_date) as cohort_week, p.days_since_first_seen, "
        "sum(t.cohort_size * case p.days_since_first_seen when 0 then 1.0 when 1 then t.day_1_retention "
        "when 7 then t.day_7_retention else t.day_28_retention end) / sum(case when (case p.days_since_first_seen "
        "when 0 then 1.0 when 1 then t.day_1_retention when 7 then t.day_7_retention else t.day_28_retention end) "
        "is not null then t.cohort_size end) as retention, bool_and({complete}) as is_complete "
        "from {t} cross join (values (0), (1), (7), (28)) as p (days_since_first_seen) group by 1, 2 order by 1, 2")
    add("activation", "Activation rate by cohort day", "Share of each day's new users who fired the activation "
        "event within their first week.", ("activation_rate",), "metrics_retention_cohorts",
        lambda f: (_lines(f, "cohort_date", {"activation_rate": "activation rate"}, ".0%"),
                   _latest(f, "cohort_date", {"activation_rate": "activation rate"}, _share)),
        "select t.cohort_date, t.activation_rate, {complete} as is_complete from {t} order by 1")
    add("adoption", "Feature adoption by week", "Share of the week's active users who used each feature.",
        ("mart-metrics_feature_adoption_weekly",), "metrics_feature_adoption_weekly", _adoption,
        "select t.week_start, t.feature, t.adoption_rate, {complete} as is_complete from {t} order by 1, 2")
    add("nps", "NPS by month", "100 x (promoters - detractors) / responses, all plans and per plan.",
        ("nps", "nps_promoters", "nps_detractors"), "metrics_nps_monthly", _nps,
        "select t.month_start, t.segment, t.nps, t.responses, {complete} as is_complete from {t} order by 1, 2")
    add("csat", "CSAT by month", "Share of rated tickets rated good.", ("csat", "csat_rated_tickets"),
        "metrics_csat_monthly",
        lambda f: (_lines(f, "month_start", {"csat": "CSAT"}, ".0%"), _latest(f, "month_start", {"csat": "CSAT"},
                                                                             _share)),
        "select t.month_start, t.csat, {complete} as is_complete from {t} order by 1")
    support = {"first_reply_hours": "first reply (median, hours)",
               "resolution_hours": "full resolution (median, hours)"}
    add("support", "Support times per week", "Medians over the week's tickets, in hours.",
        ("mart-metrics_support_weekly",), "metrics_support_weekly",
        lambda f: (_lines(f, "week_start", support, ",.1f"), _latest(f, "week_start", support, lambda v: f"{v:.1f}")),
        "select t.week_start, t.median_first_reply_minutes / 60.0 as first_reply_hours, "
        "t.median_full_resolution_minutes / 60.0 as resolution_hours, {complete} as is_complete from {t} order by 1")
    add("unrouted", "Feedback with no owning team, per week", "Share of the week's feedback items (tickets, "
        "survey answers) routed to no team.", ("unrouted_share", "feedback_unrouted_items"),
        "metrics_feedback_unrouted_weekly",
        lambda f: (_lines(f, "week_start", {"unrouted_share": "unrouted share"}, ".0%"),
                   _latest(f, "week_start", {"unrouted_share": "unrouted share"}, _share)),
        "select t.week_start, t.unrouted_share, {complete} as is_complete from {t} order by 1")
    return charts


def _retention_curves(frame: pd.DataFrame) -> tuple[str, str | None]:
    frame = frame.dropna(subset=["retention"]).copy()
    frame["cohort"] = pd.to_datetime(frame["cohort_week"]).dt.strftime("week of %Y-%m-%d")
    frame.loc[~frame[COMPLETE].astype(bool), "cohort"] += " (incomplete)"
    chart = alt.Chart(frame, width=WIDTH, height=HEIGHT).mark_line(point=True).encode(
        x=alt.X("days_since_first_seen:Q", title="days since first seen", scale=alt.Scale(domain=[0, 28])),
        y=alt.Y("retention:Q", title=None, axis=alt.Axis(format=".0%")),
        color=alt.Color("cohort:N", title=None, legend=alt.Legend(labelLimit=260)),
    )
    day7 = frame[frame["days_since_first_seen"] == 7]
    latest = None
    if not day7.empty:
        row = day7.sort_values("cohort_week").iloc[-1]
        latest = f"{row['cohort']}: day-7 retention {row['retention']:.1%}"
    return to_svg(chart), latest


def _adoption(frame: pd.DataFrame) -> tuple[str, str | None]:
    frame = frame.copy()
    frame["week"] = pd.to_datetime(frame["week_start"])
    base = alt.Chart(frame, width=WIDTH, height=HEIGHT).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=alt.X("week:T", title=None, axis=alt.Axis(format="%b %d")),
        y=alt.Y("adoption_rate:Q", title=None, axis=alt.Axis(format=".0%")),
        color=alt.Color("feature:N", title=None))
    return to_svg(_marked(base, frame, "week:T", "adoption_rate:Q")), None


def _nps(frame: pd.DataFrame) -> tuple[str, str | None]:
    frame = frame.copy()
    frame["month"] = pd.to_datetime(frame["month_start"])
    base = alt.Chart(frame, width=WIDTH, height=HEIGHT).mark_line(point=True).encode(
        x=alt.X("yearmonth(month):T", title=None, axis=alt.Axis(format="%b %Y")), y=alt.Y("nps:Q", title=None),
        color=alt.Color("segment:N", title=None),
        strokeWidth=alt.condition("datum.segment == 'all'", alt.value(3), alt.value(1.2)))
    overall = frame[frame["segment"] == "all"]
    return to_svg(_marked(base, frame, "yearmonth(month):T", "nps:Q")), _latest(
        overall, "month_start", {"nps": "NPS (all plans)"}, lambda v: f"{v:+.0f}")


def build_overview(settings: Settings) -> Path:
    """reports/overview/index.html from the published snapshot (a page saying what is missing when
    nothing is published yet)."""
    snapshot_path = settings.published_snapshot
    charts: list[OverviewChart] = []
    published_at = None
    if snapshot_path.is_file():
        with duckdb.connect(str(snapshot_path), read_only=True) as con:
            schema = published_schema(con)
            tables = {r[0] for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = ? union "
                "select view_name from duckdb_views() where schema_name = ?", [schema, schema]).fetchall()}
            if "_publication" in tables:
                published_at = con.execute(f"select max(published_at) from {schema}._publication").fetchone()[0]
            charts = build_charts(Snapshot(con, tables, schema))
    page = render("kpi_overview.html", charts=charts, snapshot=snapshot_path, published_at=published_at,
                  generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), incomplete_colour=INCOMPLETE_COLOUR,
                  nav=[("All reports", "../index.html"), ("KPI catalog", "../catalog/index.html")])
    return write_report(settings.reports_dir / "overview" / "index.html", page)

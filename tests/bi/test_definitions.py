"""The dashboard definitions against Postgres: every chart's SQL binds to the marts' contracted columns
with and without the completeness column, and incomplete periods are marked as documented."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import jinja2
import psycopg2
import pytest
import yaml
from psycopg2 import sql

from insights.bi.definitions import (
    INCOMPLETE_SUFFIX,
    DefinitionError,
    chart_sql,
    load_dashboard,
    load_dashboards,
)
from insights.bi.serving_schema import ServingSchema
from insights.bi.superset_bundle import BundleRenderer, Connection, bundle_zip

REPO = Path(__file__).resolve().parents[2]
COMPLETENESS_MARTS = ("metrics_active_users_daily", "metrics_feature_adoption_weekly", "metrics_nps_monthly",
                      "metrics_support_daily", "metrics_support_weekly", "metrics_csat_monthly",
                      "metrics_feedback_by_team_weekly", "metrics_feedback_unrouted_weekly",
                      "metrics_retention_cohorts")


def contracted_marts() -> dict[str, list[tuple[str, str]]]:
    """Each public mart's (column, data type) as its dbt contract declares them on Postgres (a type may be
    a Jinja expression choosing per target, as dbt renders it)."""
    marts = {}
    postgres = {"target": {"type": "postgres"}}
    for path in sorted((REPO / "dbt_project" / "models" / "marts").glob("*/*.yml")):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            columns = [
                (c["name"], jinja2.Template(c["data_type"]).render(postgres) if c.get("data_type") else None)
                for c in model.get("columns") or []
            ]
            if model["name"].startswith("metrics_") and all(kind for _, kind in columns):
                marts[model["name"]] = columns
    return marts


@pytest.fixture
def schema(postgres_dsn: str) -> Iterator[tuple[str, str]]:
    name = f"bi_defs_{uuid.uuid4().hex[:8]}"
    con = psycopg2.connect(postgres_dsn)
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(sql.SQL("create schema {}").format(sql.Identifier(name)))
    yield postgres_dsn, name
    with con.cursor() as cur:
        cur.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(name)))
    con.close()


def create_marts(dsn: str, schema: str, with_completeness: bool) -> None:
    with psycopg2.connect(dsn) as con, con.cursor() as cur:
        for table, contracted in contracted_marts().items():
            # Whether the contract has the column yet or not (it arrives with the completeness work).
            columns = [c for c in contracted if c[0] != "is_complete"]
            if with_completeness and table in COMPLETENESS_MARTS:
                columns.append(("is_complete", "boolean"))
            cur.execute(sql.SQL("create table {}.{} ({})").format(
                sql.Identifier(schema), sql.Identifier(table),
                sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t)) for n, t in columns)))
    con.close()


def run(dsn: str, query: str) -> list[tuple]:
    with psycopg2.connect(dsn) as con, con.cursor() as cur:
        cur.execute(query)
        rows = cur.fetchall()
    con.close()
    return rows


@pytest.mark.postgres
@pytest.mark.parametrize("with_completeness", [False, True], ids=["before-completeness", "with-completeness"])
def test_every_chart_binds_to_the_contracted_marts(schema: tuple[str, str], with_completeness: bool) -> None:
    dsn, name = schema
    create_marts(dsn, name, with_completeness)
    serving = ServingSchema(dsn, name)
    dashboards = load_dashboards()
    assert {d.slug for d in dashboards} == {"engagement", "growth", "feature-adoption", "voice-of-the-customer",
                                            "pm-barometer"}
    for dashboard in dashboards:
        resolved = serving.resolve(dashboard)
        for chart in dashboard.charts:
            dataset = resolved[chart.dataset][0]
            run(dsn, chart_sql(chart, dataset))  # binds (no row yet)
            if dataset.table in COMPLETENESS_MARTS:
                assert dataset.has_completeness == with_completeness, chart.name
    # The bundle renders (valid YAML from every template), with or without the marker.
    files = BundleRenderer(Connection.from_dsn(dsn, "pm_reader", name)).files(dashboards, serving)
    assert {p.split("/")[0] for p in files} == {"metadata.yaml", "databases", "datasets", "charts", "dashboards"}
    for text in files.values():
        yaml.safe_load(text)
    assert len([p for p in files if p.startswith("charts/")]) == sum(len(d.charts) for d in dashboards)
    assert bundle_zip(files)[:2] == b"PK"


@pytest.mark.postgres
def test_incomplete_periods_are_marked(schema: tuple[str, str]) -> None:
    dsn, name = schema
    create_marts(dsn, name, with_completeness=True)
    with psycopg2.connect(dsn) as con, con.cursor() as cur:
        cur.execute(sql.SQL(
            "insert into {}.metrics_active_users_daily (date_day, dau, wau, mau, stickiness, anonymous_devices, "
            "is_complete) values ('2026-10-30', 10, 20, 40, 0.25, 1, true), ('2026-10-31', 12, 21, 41, 0.29, 0, true), "
            "('2026-11-01', 3, 19, 39, 0.08, 0, false)").format(sql.Identifier(name)))
        cur.execute(sql.SQL(
            "insert into {}.metrics_feature_adoption_weekly (week_start, feature, adopters, weekly_active_users, "
            "adoption_rate, is_complete) values ('2026-10-19', 'tasks', 5, 10, 0.5, true), "
            "('2026-10-26', 'tasks', 2, 8, 0.25, false)").format(sql.Identifier(name)))
    con.close()
    serving = ServingSchema(dsn, name)
    engagement = next(d for d in load_dashboards() if d.slug == "engagement")
    adoption = next(d for d in load_dashboards() if d.slug == "feature-adoption")
    charts = {c.name: c for c in (*engagement.charts, *adoption.charts)}
    users = serving.resolve(engagement)["active_users"][0]
    weeks = serving.resolve(adoption)["adoption"][0]

    # series: the incomplete day is its own series, missing from the complete one
    rows = run(dsn, chart_sql(charts["stickiness_trend"], users))
    assert [(str(d), c, i) for d, c, i in rows] == [("2026-10-30", 0.25, None), ("2026-10-31", 0.29, None),
                                                    ("2026-11-01", None, 0.08)]
    # exclude: the headline's last day is the last complete day
    assert run(dsn, chart_sql(charts["dau_last_complete_day"], users))[-1][1] == 12
    # label: the incomplete week says so on the axis
    labels = [r[0] for r in run(dsn, chart_sql(charts["adoption_rate_by_week"], weeks))]
    assert labels == ["2026-10-19", "2026-10-26" + INCOMPLETE_SUFFIX]


@pytest.mark.postgres
def test_without_the_completeness_column_every_row_is_shown_unmarked(schema: tuple[str, str]) -> None:
    dsn, name = schema
    create_marts(dsn, name, with_completeness=False)
    with psycopg2.connect(dsn) as con, con.cursor() as cur:
        cur.execute(sql.SQL("insert into {}.metrics_active_users_daily (date_day, dau, wau, mau, stickiness, "
                            "anonymous_devices) values ('2026-10-31', 12, 21, 41, 0.29, 0), "
                            "('2026-11-01', 3, 19, 39, 0.08, 0)").format(sql.Identifier(name)))
    con.close()
    engagement = next(d for d in load_dashboards() if d.slug == "engagement")
    users = ServingSchema(dsn, name).resolve(engagement)["active_users"][0]
    charts = {c.name: c for c in engagement.charts}
    assert run(dsn, chart_sql(charts["dau_last_complete_day"], users))[-1][1] == 3
    assert run(dsn, chart_sql(charts["stickiness_trend"], users))[-1][1:] == (0.08,)


def test_a_bad_definition_names_the_file_chart_and_field(tmp_path: Path) -> None:
    good = (REPO / "bi" / "dashboards" / "1_engagement.yml").read_text()
    bad = tmp_path / "bad.yml"
    bad.write_text(good.replace("kind: line", "kind: pie", 1))
    with pytest.raises(DefinitionError, match=r"bad\.yml: chart 'active_users_trend'\.kind: 'pie' is not one of"):
        load_dashboard(bad)
    bad.write_text(good.replace("dataset: active_users\n    kind: bar", "dataset: nowhere\n    kind: bar"))
    with pytest.raises(DefinitionError, match=r"chart 'anonymous_devices'\.dataset: 'nowhere' is not one of"):
        load_dashboard(bad)
    bad.write_text("slug: x\ntitle: [unclosed\n")
    with pytest.raises(DefinitionError, match=r"bad\.yml: line \d+: not valid YAML"):
        load_dashboard(bad)


@pytest.mark.postgres
def test_a_dataset_whose_sql_no_longer_binds_names_the_file_and_dataset(
    schema: tuple[str, str], tmp_path: Path
) -> None:
    dsn, name = schema
    create_marts(dsn, name, with_completeness=False)
    text = (REPO / "bi" / "dashboards" / "2_growth.yml").read_text().replace("c.day_28_retention", "c.day_29_retention")
    (tmp_path / "growth.yml").write_text(text)
    with pytest.raises(DefinitionError, match=r"growth\.yml: datasets\.retention_curve: its SQL fails: .*day_29"):
        ServingSchema(dsn, name).resolve(load_dashboard(tmp_path / "growth.yml"))

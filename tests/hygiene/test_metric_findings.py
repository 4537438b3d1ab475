"""Metric findings: the real project is clean; a fixture copy of it produces every finding.

The fixture project is a copy of dbt_project/ with deliberately bad additions (never in the
real project): a mart counting distinct users from the events models, a metric duplicating
dau, one without owner, one without description. Version 2 of the copy changes a metric's
expression and the promoter threshold in int_voc__nps_responses (a definition change), and only a
comment in int_voc__tickets (not one). Each version is parsed by dbt, recorded for its own
reference day in a copy of the audited warehouse, and the audit models are built on it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from insights.hygiene import audit_vars, project_snapshot, read_artifacts, record_snapshot
from insights.settings import DBT_PROJECT_DIR, Settings
from insights.warehouse import run_dbt
from insights.warehouse.dbt import dbt_env

from .conftest import AuditedWarehouse, home_settings, query
from .fixture_world import CLEAN_DAY, DIRTY_DAY

pytestmark = pytest.mark.slow

V1_DAY, V2_DAY = date(2026, 11, 2), date(2026, 11, 3)  # after the fixture's audits: the latest snapshots

BAD_MARTS = {
    # counts distinct users from the events models, without the shared active-user model: fires
    "metrics_rogue_active_users.sql": """
select events.event_date as date_day, count(distinct events.user_id) as active_users
from {{ ref('int_events__deduplicated') }} as events
group by events.event_date
""",
    # counts distinct users through the shared model: fine
    "metrics_shared_active_users.sql": """
select active.date_day, count(distinct active.user_id) as active_users
from {{ ref('int_active_users_daily') }} as active
group by active.date_day
""",
    # reads the events models but counts events, not users: fine
    "metrics_event_counts.sql": """
select events.event_date as date_day, count(*) as events
from {{ ref('int_events__deduplicated') }} as events
group by events.event_date
""",
}

BAD_METRICS = """
version: 2
metrics:
  - name: dau_copy
    label: DAU again
    description: The same as dau under another name.
    type: simple
    type_params:
      measure: active_users
    config:
      meta: {owner: insights}
  - name: unowned_metric
    label: Unowned ratio
    description: Day-7 retained users per cohort member, owned by nobody.
    type: ratio
    type_params:
      numerator: day_7_retained_users
      denominator: cohort_size
  - name: undocumented_metric
    label: Undocumented
    type: derived
    type_params:
      expr: "dau - 1"
      metrics:
        - name: dau
    config:
      meta: {owner: growth}
"""


def _copy_project(folder: Path) -> Path:
    shutil.copytree(
        DBT_PROJECT_DIR, folder, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml")
    )
    marts = folder / "models" / "marts" / "fixture"
    marts.mkdir()
    for name, sql in BAD_MARTS.items():
        (marts / name).write_text(sql, encoding="utf-8")
    (folder / "models" / "semantic" / "_fixture__semantic.yml").write_text(BAD_METRICS, encoding="utf-8")
    return folder


def _make_version_2(project: Path) -> None:
    semantic = project / "models" / "semantic" / "_fixture__semantic.yml"
    semantic.write_text(BAD_METRICS.replace('"dau - 1"', '"dau - 2"'), encoding="utf-8")
    nps = project / "models" / "intermediate" / "voc" / "int_voc__nps_responses.sql"
    text = nps.read_text(encoding="utf-8")
    assert "when score >= 9 then 'promoter'" in text
    nps.write_text(text.replace("when score >= 9 then 'promoter'", "when score >= 8 then 'promoter'"))
    tickets = project / "models" / "intermediate" / "voc" / "int_voc__tickets.sql"
    tickets.write_text("-- a comment changes no definition\n" + tickets.read_text(encoding="utf-8"))


def _parse(project: Path, settings: Settings, target_dir: Path, variables: dict[str, Any]) -> Path:
    dbt = Path(sys.executable).parent / "dbt"
    command = [
        str(dbt),
        "parse",
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target",
        "duckdb",
        "--target-path",
        str(target_dir),
        "--log-path",
        str(target_dir / "logs"),
        "--vars",
        json.dumps(variables),
    ]
    done = subprocess.run(
        command, cwd=project, env=dbt_env(settings, "duckdb"), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:]
    return target_dir


def _metric_findings(settings: Settings) -> set[tuple[str, str]]:
    return {(m, f) for m, f in query(settings, "select metric_name, finding from audit.metric_findings")}


def test_real_project_has_no_metric_finding(audited: AuditedWarehouse) -> None:
    assert _metric_findings(audited.settings) == set()
    assert audited.clean.metric_findings == {} and audited.dirty.metric_findings == {}
    # both audits recorded the same definitions: the hash does not depend on the run (day, time)
    hashes = query(
        audited.settings,
        "select reference_date, metric_name, definition_hash, owner from raw.hygiene_metric_definitions "
        "where reference_date in (?, ?)",
        [CLEAN_DAY, DIRTY_DAY],
    )
    by_day: dict[Any, dict[str, str]] = {}
    for day, name, digest, owner in hashes:
        by_day.setdefault(day, {})[name] = digest
        assert owner, name
    assert len(by_day[CLEAN_DAY]) >= 30 and by_day[CLEAN_DAY] == by_day[DIRTY_DAY]


@pytest.fixture(scope="module")
def bad_project_findings(
    audited: AuditedWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, set[tuple[str, str]], dict[str, str]]:
    """The audit of V2_DAY on a copy of the warehouse, after recording v1 (V1_DAY) and v2 (V2_DAY)."""
    root = tmp_path_factory.mktemp("bad-project")
    (root / "home").mkdir()
    shutil.copy(audited.settings.warehouse, root / "home" / "warehouse.duckdb")
    settings = home_settings(root / "home", audited.settings.config_dir)
    project = _copy_project(root / "project")
    for version, day in (("v1", V1_DAY), ("v2", V2_DAY)):
        if version == "v2":
            _make_version_2(project)
        variables = audit_vars(settings, day)
        artifacts = _parse(project, settings, root / f"target-{version}", variables)
        record_snapshot(settings, "duckdb", day, project_snapshot(*read_artifacts(artifacts), variables))
    build = ["build", "--select", "path:models/audit", "--indirect-selection", "buildable"]
    run_dbt(build, settings, vars=audit_vars(settings, V2_DAY))
    rows = query(settings, "select metric_name, finding, detail from audit.metric_findings")
    return settings, {(m, f) for m, f, _ in rows}, {f"{m}/{f}": d for m, f, d in rows}


def test_bad_project_produces_each_metric_finding(bad_project_findings: tuple[Any, ...]) -> None:
    _, findings, _ = bad_project_findings
    assert findings == {
        ("unowned_metric", "missing_owner"),
        ("undocumented_metric", "missing_description"),
        ("dau", "duplicate_definition"),
        ("dau_copy", "duplicate_definition"),
        # changed between the v1 and v2 audits: its expression, and the model the NPS metrics read
        ("undocumented_metric", "needs_recertification"),
        ("nps", "needs_recertification"),
        ("nps_responses", "needs_recertification"),
        ("nps_promoters", "needs_recertification"),
        ("nps_detractors", "needs_recertification"),
        ("metrics_rogue_active_users", "active_user_outside_shared_model"),
    }
    # not flagged: the tickets metrics (a comment-only change), the marts that read the shared
    # model or count events


def test_metric_finding_details_explain(bad_project_findings: tuple[Any, ...]) -> None:
    _, _, details = bad_project_findings
    assert details["dau/duplicate_definition"] == "same normalized definition as dau_copy"
    assert "models/semantic/_fixture__semantic.yml" in details["unowned_metric/missing_owner"]
    assert f"since the audit of {V1_DAY}" in details["nps/needs_recertification"]
    assert (
        "models/marts/fixture/metrics_rogue_active_users.sql"
        in details["metrics_rogue_active_users/active_user_outside_shared_model"]
    )


def test_bad_project_findings_show_in_the_report(bad_project_findings: tuple[Any, ...]) -> None:
    from insights.hygiene import render_report

    settings, _, _ = bad_project_findings
    html = render_report(settings, DIRTY_DAY).read_text(encoding="utf-8")
    section = html[html.index('id="metric-findings"') : html.index('id="barometer"')]
    for name in (
        "unowned_metric",
        "undocumented_metric",
        "dau_copy",
        "nps_promoters",
        "metrics_rogue_active_users",
    ):
        assert name in section
    assert f"as recorded by the audit of {V2_DAY}" in section

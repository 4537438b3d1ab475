"""A fixture dbt project: a copy of dbt_project/ with deliberately bad additions.

Never part of the real project: a mart counting distinct users from the events models without
the shared active-user model (and two marts that must not be flagged), a metric duplicating
dau, one without owner, one without description. Version 2 changes a metric's expression and
the NPS promoter threshold in int_voc__nps_responses (definition changes), and only a comment in
int_voc__tickets (not a definition change). dbt parses it; nothing of it is ever built.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from insights.settings import DBT_PROJECT_DIR, REPO_ROOT, Settings
from insights.warehouse.dbt import dbt_env

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


def copy_project(folder: Path) -> Path:
    shutil.copytree(
        DBT_PROJECT_DIR, folder, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml")
    )
    # The sources' staging folders (model path ../include/insights/sources), beside the copy.
    sources = folder.parent / "include"
    if not sources.exists():
        sources.symlink_to(REPO_ROOT / "include", target_is_directory=True)
    marts = folder / "models" / "marts" / "fixture"
    marts.mkdir()
    for name, sql in BAD_MARTS.items():
        (marts / name).write_text(sql, encoding="utf-8")
    (folder / "models" / "semantic" / "_fixture__semantic.yml").write_text(BAD_METRICS, encoding="utf-8")
    return folder


def make_version_2(project: Path) -> None:
    semantic = project / "models" / "semantic" / "_fixture__semantic.yml"
    semantic.write_text(BAD_METRICS.replace('"dau - 1"', '"dau - 2"'), encoding="utf-8")
    nps = project / "models" / "intermediate" / "voc" / "int_voc__nps_responses.sql"
    text = nps.read_text(encoding="utf-8")
    if "when score >= 9 then 'promoter'" not in text:
        raise RuntimeError(f"{nps}: the promoter threshold this fixture changes is not there any more")
    nps.write_text(text.replace("when score >= 9 then 'promoter'", "when score >= 8 then 'promoter'"))
    tickets = project / "models" / "intermediate" / "voc" / "int_voc__tickets.sql"
    tickets.write_text("-- a comment changes no definition\n" + tickets.read_text(encoding="utf-8"))


def parse_project(project: Path, settings: Settings, target_dir: Path, variables: dict[str, Any]) -> Path:
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
    env = dbt_env(settings, "duckdb")
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"dbt parse of the fixture project failed:\n{done.stdout[-3000:]}")
    return target_dir

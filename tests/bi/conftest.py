"""BI fixtures: a small simulated world run through the pipeline to publication on Postgres (its own
serving schema and reader role, dropped afterwards), and Superset serving it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql

from insights.bi.provision import ReaderAccess

INSIGHTS = str(Path(sys.executable).with_name("insights"))
# Three weeks: enough for weekly marts, retention curves to day 7 and two NPS months, in about a minute.
WORLD = {"INSIGHTS_SIM_USERS": "120", "INSIGHTS_SIM_DAYS": "22", "INSIGHTS_SIM_START": "2026-08-03"}
FIRST_DAY, LAST_DAY = "2026-08-03", "2026-08-23"


@dataclass(frozen=True)
class Published:
    home: Path
    env: dict[str, str]  # the environment a user of this publication runs with
    access: ReaderAccess


def drop_serving(admin_dsn: str, schema: str, role: str) -> None:
    con = psycopg2.connect(admin_dsn)
    con.autocommit = True
    with con.cursor() as cur:
        for name in (schema, f"{schema}__next", f"{schema}__old"):
            cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(name)))
        cur.execute("select 1 from pg_roles where rolname = %s", (role,))
        if cur.fetchone():
            cur.execute(sql.SQL("drop owned by {}").format(sql.Identifier(role)))
            cur.execute(sql.SQL("drop role {}").format(sql.Identifier(role)))
    con.close()


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory, postgres_dsn: str) -> Iterator[Published]:
    """`insights backfill` of a small world, published to a per-session serving schema on Postgres."""
    home = tmp_path_factory.mktemp("bi") / "insights-home"
    suffix = uuid.uuid4().hex[:8]
    schema, role = f"analytics_bi{suffix}", f"pm_reader_bi{suffix}"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("INSIGHTS_AMPLITUDE_", "INSIGHTS_ZENDESK_", "INSIGHTS_TYPEFORM_"))
           and k not in ("INSIGHTS_WAREHOUSE", "INSIGHTS_REPLAY_DIR", "INSIGHTS_CONFIG_DIR")}
    env.update(WORLD, INSIGHTS_HOME=str(home), INSIGHTS_SERVING_DSN=postgres_dsn, INSIGHTS_SERVING_SCHEMA=schema,
               INSIGHTS_PM_READER_ROLE=role, INSIGHTS_PM_READER_PASSWORD=f"reader-{suffix}")
    try:
        done = subprocess.run([INSIGHTS, "backfill", "--start", FIRST_DAY, "--end", LAST_DAY], env=env,
                              capture_output=True, text=True, timeout=1200, check=False)
        assert done.returncode == 0, f"backfill failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        yield Published(home, env, ReaderAccess.from_env(env))
    finally:
        drop_serving(postgres_dsn, schema, role)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def keep_screenshots(folder: Path) -> None:
    """Copy the screenshots to $INSIGHTS_BI_SCREENSHOTS_DIR when set (pytest's temporary folders rotate)."""
    import shutil

    target = os.environ.get("INSIGHTS_BI_SCREENSHOTS_DIR")
    if target:
        shutil.copytree(folder, Path(target) / folder.name, dirs_exist_ok=True)

"""A run reads its configuration once, at its entry point, and every default has one home.

The settings (environment) and the workspace config (settings.yml and the other config files) are read
when a run starts and passed down to its steps; the defaults of the workspace settings live in the
`vars:` of dbt_project.yml only (insights.workspace reads them from there, the SQL carries none).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

import insights.settings as settings_module
import insights.workspace as workspace_module
from insights.settings import DBT_PROJECT_DIR, REPO_ROOT, Settings
from insights.workspace import DEFAULT_SETTINGS, SETTING_NAMES

# var('name', <fallback>) in SQL/Jinja: the fallback is a second default for the var.
_VAR_FALLBACK = re.compile(r"""\bvar\(\s*['"](?P<name>\w+)['"]\s*,\s*(?P<fallback>[^)]*?)\s*\)""")


def _counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, counts: Counter[str]) -> None:
    real: Callable[..., Any] = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        counts[name] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> tuple[Counter[str], Counter[str]]:
    """(calls of the settings and workspace loaders, environment variables read by the settings loader)."""
    calls: Counter[str] = Counter()
    _counting(monkeypatch, settings_module, "load_settings", calls)
    _counting(monkeypatch, workspace_module, "load_workspace", calls)
    variables: Counter[str] = Counter()
    real_env = settings_module._env

    def counted_env(name: str, env: Any = None) -> str | None:
        variables[name] += 1
        return real_env(name, env)

    monkeypatch.setattr(settings_module, "_env", counted_env)
    return calls, variables


@pytest.fixture
def run_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("INSIGHTS_WAREHOUSE", "INSIGHTS_CONFIG_DIR", "INSIGHTS_REPLAY_DIR", "INSIGHTS_S3_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INSIGHTS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("INSIGHTS_SERVING_DSN", "none")
    remote = tmp_path / "remote"
    remote.mkdir()
    monkeypatch.setenv("INSIGHTS_RAW_ZONE_URL", str(remote))
    return remote


def _steps(settings: Settings) -> None:
    """A run's steps after its entry point: the raw load (which pulls from the raw zone URL), the dbt vars
    of a nightly and of a backfill build, the gate's lookback, the publication's settings."""
    from insights.pipeline import load_raw_zone, nightly_dbt_vars, serving_settings
    from insights.warehouse.dbt import dbt_vars

    load_raw_zone(settings)
    nightly_dbt_vars(settings)
    dbt_vars(settings)
    published = serving_settings(settings)
    dbt_vars(published)
    assert int(published.workspace.settings["late_event_lookback_days"]) >= 1


def test_a_run_reads_its_settings_and_workspace_once(run_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls, variables = _count_reads(monkeypatch)
    settings = settings_module.load_settings()  # the run's entry point
    assert settings.raw_zone_url == str(run_env)
    _steps(settings)
    assert calls == {"load_settings": 1, "load_workspace": 1}
    assert variables["INSIGHTS_RAW_ZONE_URL"] == 1


def test_the_count_catches_a_step_that_reads_the_config_again(run_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same count fails when a step loads the settings and the workspace on its own."""
    calls, variables = _count_reads(monkeypatch)
    settings = settings_module.load_settings()
    _steps(settings)
    _steps(settings_module.load_settings())  # a step that ignores the settings it was given
    assert calls == {"load_settings": 2, "load_workspace": 2}
    assert variables["INSIGHTS_RAW_ZONE_URL"] == 2


def test_a_replaced_setting_keeps_the_workspace_unless_the_config_dir_changes(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, warehouse=tmp_path / "w.duckdb", config_dir=settings_module.PACKAGE_CONFIG_DIR,
                        replay_dir=None, endpoints={})
    workspace = settings.workspace
    assert settings.replace(serving_dsn=None).workspace is workspace
    other = tmp_path / "config"
    other.symlink_to(settings_module.PACKAGE_CONFIG_DIR)
    assert settings.replace(config_dir=other).workspace is not workspace


def _sql_files() -> Iterable[Path]:
    for root in (DBT_PROJECT_DIR, REPO_ROOT / "include" / "insights" / "sources"):
        yield from (p for p in root.rglob("*.sql") if "target" not in p.relative_to(root).parts[:1])


def duplicated_defaults(sql: dict[str, str], project_vars: dict[str, Any]) -> list[str]:
    """Each `var()` fallback, in ``sql`` (name -> text), of a workspace setting: a second default."""
    found = []
    for where, text in sql.items():
        for match in _VAR_FALLBACK.finditer(text):
            name = match["name"]
            if name in SETTING_NAMES:
                fallback, default = yaml.safe_load(match["fallback"]), project_vars[name]
                same = "same value" if fallback == default else f"dbt_project.yml says {default!r}"
                found.append(f"{where}: var({name!r}, {fallback!r}) ({same})")
    return found


def _project_vars() -> dict[str, Any]:
    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]


def test_each_setting_default_lives_in_dbt_project_yml_only() -> None:
    project_vars = _project_vars()
    # Python takes its defaults from there (activation_event has none: a workspace must name it).
    assert {k: v for k, v in DEFAULT_SETTINGS.items() if k != "activation_event"} == {
        name: project_vars[name] for name in SETTING_NAMES if name != "activation_event"
    }
    assert DEFAULT_SETTINGS["activation_event"] is None
    sql = {str(p.relative_to(REPO_ROOT)): p.read_text(encoding="utf-8") for p in _sql_files()}
    assert len(sql) > 50
    assert duplicated_defaults(sql, project_vars) == []


def test_a_second_default_in_sql_is_found() -> None:
    project_vars = _project_vars()
    sql = {
        "a.sql": "{%- set days = var('late_event_lookback_days', 5) | int -%}",
        "b.sql": "{%- set tz = var(\"reporting_timezone\", 'UTC') -%}",
        "c.sql": "{%- set start = var('backfill_start', none) -%}",  # not a workspace setting
    }
    assert duplicated_defaults(sql, project_vars) == [
        "a.sql: var('late_event_lookback_days', 5) (dbt_project.yml says 3)",
        "b.sql: var('reporting_timezone', 'UTC') (same value)",
    ]


def test_a_changed_config_file_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unchanged files: one read however often the steps ask; an edited file: read again."""
    import shutil

    config = tmp_path / "config"
    shutil.copytree(settings_module.PACKAGE_CONFIG_DIR, config)
    settings = Settings(home=tmp_path, warehouse=tmp_path / "w.duckdb", config_dir=config, replay_dir=None,
                        endpoints={})
    calls, _ = _count_reads(monkeypatch)
    assert settings.workspace.settings["hygiene_window_days"] == settings.workspace.settings["hygiene_window_days"]
    assert calls["load_workspace"] == 1
    path = config / "settings.yml"
    text = path.read_text(encoding="utf-8")
    assert "hygiene_window_days: 30" in text
    path.write_text(text.replace("hygiene_window_days: 30", "hygiene_window_days: 7"), encoding="utf-8")
    assert settings.workspace.settings["hygiene_window_days"] == 7
    assert calls["load_workspace"] == 2

"""The SQL lint (.sqlfluff, `make sql-lint`) catches the project's style faults and renders its Jinja.

The models are linted in a scratch project carrying the real config, macros and dbt context, so a model
that uses ref/var/is_incremental and a project macro must template cleanly, and a style fault must be
reported under its rule.
"""

import configparser
import shutil
from pathlib import Path

import pytest
from sqlfluff.core import FluffConfig, Linter

from insights.quality.suites import shared_macros

ROOT = Path(__file__).resolve().parents[2]

CLEAN_MODEL = """\
{{ config(materialized='incremental') }}
select
    events.user_id as user_id,
    count(*) as events
from {{ ref('int_events__deduplicated') }} as events
where events.event_type = '{{ var("activation_event") }}'
{% if is_incremental() %}
    and {{ in_lookback_window('events.event_date', 'current_date', var('late_event_lookback_days')) }}
{% endif %}
group by events.user_id
"""


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project root with the real .sqlfluff files and dbt_project's macros and lint context."""
    root = tmp_path_factory.mktemp("sql_lint")
    shutil.copy(ROOT / ".sqlfluff", root / ".sqlfluff")
    (root / "dbt_project" / "models").mkdir(parents=True)
    for name in ("macros", "sqlfluff_libs"):
        (root / "dbt_project" / name).symlink_to(ROOT / "dbt_project" / name)
    (root / "expectations").mkdir()
    shutil.copy(ROOT / "expectations" / ".sqlfluff", root / "expectations" / ".sqlfluff")
    return root


def _codes(root: Path, relpath: str, sql: str, **overrides: str) -> set[str]:
    path = root / relpath
    path.write_text(sql, encoding="utf-8")
    config = FluffConfig.from_path(str(path.parent), overrides=overrides or None)
    result = Linter(config=config).lint_paths((str(path),))
    return {violation.rule_code() for violation in result.get_violations()}


def test_clean_model_passes(scratch: Path) -> None:
    assert _codes(scratch, "dbt_project/models/clean.sql", CLEAN_MODEL) == set()


@pytest.mark.parametrize(
    ("fault", "rule"),
    [
        (CLEAN_MODEL.replace("select\n", "SELECT\n"), "CP01"),
        (CLEAN_MODEL.replace("count(*)", "COUNT(*)"), "CP03"),
        (CLEAN_MODEL.replace("as events\nwhere", "events\nwhere"), "AL01"),
        (CLEAN_MODEL.replace("count(*) as events", "count(*) events"), "AL02"),
    ],
    ids=["uppercase-keyword", "uppercase-function", "implicit-table-alias", "implicit-column-alias"],
)
def test_style_fault_is_reported(scratch: Path, fault: str, rule: str) -> None:
    assert rule in _codes(scratch, "dbt_project/models/faulty.sql", fault)


def test_gate_query_with_parameters_and_macro(scratch: Path) -> None:
    """The gate's queries: DuckDB `$name` parameters and the shared macro, through the placeholder templater."""
    query = (
        "select days.date_day as date_day\n"
        "from marts.metrics_active_users_daily as days\n"
        "where {{ in_lookback_window('days.date_day', 'cast($reference_day as date)', '$lookback_days') }}\n"
        "    or days.date_day between cast($recheck_start as date) and cast($recheck_end as date)\n"
    )
    assert _codes(scratch, "expectations/checks.clean.sql", query, templater="placeholder") == set()
    assert "CP01" in _codes(scratch, "expectations/checks.faulty.sql", query.upper(), templater="placeholder")


def _macros_without_stand_in(sqlfluff_config: str) -> set[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(sqlfluff_config)
    stand_ins = set(parser["sqlfluff:templater:placeholder"])
    return {name for names in shared_macros().values() for name in names} - stand_ins


def test_every_gate_macro_has_a_lint_stand_in() -> None:
    """The placeholder templater replaces a macro call by its stand-in: a gate macro without one would
    leave its call unlexable. The macros are found by parsing their files, so a new one is caught here."""
    config = (ROOT / "expectations" / ".sqlfluff").read_text(encoding="utf-8")
    assert "ratio_deviation" in {name for names in shared_macros().values() for name in names}
    assert _macros_without_stand_in(config) == set()
    without_one = "\n".join(line for line in config.splitlines() if not line.startswith("ratio_deviation ="))
    assert _macros_without_stand_in(without_one) == {"ratio_deviation"}

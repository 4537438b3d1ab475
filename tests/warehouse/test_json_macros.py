"""The cross-database JSON macros (macros/cross_db_json.sql) mean the same on DuckDB and Postgres."""

from __future__ import annotations

import json

import pytest

from insights.settings import Settings
from insights.warehouse import run_dbt

pytestmark = pytest.mark.slow

DOCUMENT = {
    "s": "x",
    "i": 3,
    "f": 2.5,
    "fi": 1.0,
    "b": True,
    "n": None,
    "o": {"k": "v"},
    "a": [1, 2],
    "neg": -7,
    "$insert_id": "ins",
}
# (key path, json_type, json_text) as JSON defines them; a missing key is SQL null for both
EXPECTED = [
    (["s"], "string", "x"),
    (["i"], "integer", "3"),
    (["f"], "number", "2.5"),
    (["fi"], "integer", None),  # 1.0 counts as an integer; its text is database-specific
    (["b"], "boolean", "true"),
    (["n"], "null", None),
    (["o"], "object", None),
    (["a"], "array", None),
    (["neg"], "integer", "-7"),
    (["$insert_id"], "string", "ins"),
    (["o", "k"], "string", "v"),
    (["missing"], None, None),
]


def _probe_sql() -> str:
    literal = json.dumps(DOCUMENT).replace("'", "''")
    columns = []
    for index, (path, _, _) in enumerate(EXPECTED):
        columns.append(f"{{{{ json_type('doc', {path!r}) }}}} as t_{index}")
        columns.append(f"{{{{ json_text('doc', {path!r}) }}}} as v_{index}")
    # json_texts (all paths, one parse) reads exactly what json_text reads, path by path
    agree = " and ".join(
        f"(texts[{index + 1}] is not distinct from {{{{ json_text('doc', {path!r}) }}}})"
        for index, (path, _, _) in enumerate(EXPECTED)
    )
    columns.append(f"{agree} as texts_agree")
    paths = [path for path, _, _ in EXPECTED]
    json_type = "{{ 'jsonb' if target.type == 'postgres' else 'json' }}"
    return (
        f"with docs as (select cast('{literal}' as {json_type}) as doc), "
        f"parsed as (select doc, {{{{ json_texts('doc', {paths!r}) }}}} as texts from docs) "
        f"select {', '.join(columns)} from parsed"
    )


def test_json_macros_agree_with_json_semantics(wh_settings: Settings, target: str) -> None:
    result = run_dbt(
        ["show", "--inline", _probe_sql(), "--output", "json", "--log-format", "text"], wh_settings, target
    )
    text = "\n".join(result.tail)
    row = json.loads(text[text.index("{") : text.rindex("}") + 1])["show"][0]
    for index, (path, json_type, json_text) in enumerate(EXPECTED):
        assert row[f"t_{index}"] == json_type, (path, row[f"t_{index}"])
        if json_text is not None or json_type in (None, "null"):
            assert row[f"v_{index}"] == json_text, (path, row[f"v_{index}"])
    assert row["texts_agree"] is True

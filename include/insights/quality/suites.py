"""The reviewed suite files in expectations/: one GX 1.x suite (JSON) and one query (SQL) per dataset.

A suite file is GX's own suite format (`name`, `expectations` with `type`/`kwargs`/`meta`,
`meta`), plus conventions the gate relies on, checked here without importing GX:

- every expectation has a unique `meta.name` (snake_case): that name is what a failed gate
  reports, next to the dataset;
- `meta.dataset` describes the rows validated: `description`, `key` (columns naming a row in
  failure messages), `params` (SQL parameters this suite sets), `requires` (conditions of the
  run, see REQUIREMENTS), `semantic_layer_metrics` (metrics the gate fetches from MetricFlow for the query);
- an expectation may carry `meta.requires` too (e.g. the semantic-layer cross-check), and
  `meta.examples`: the column of the dataset that lists example records of an unexpected row
  (datasets aggregated in SQL, one row per partition: failures still name the records);
- `<name>.sql` next to the suite is the DuckDB query that produces the dataset, with `$param`
  placeholders.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from insights.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR
from insights.sources import registered_sources

# Conditions a dataset or an expectation can require of a run.
REQUIREMENTS = {
    "semantic_layer": "the semantic-layer cross-check (turned off for this run)",
    "published_snapshot": "a published snapshot (none yet)",
    "nightly": "a nightly run (explicit backfills may rewrite history)",
}
# Layers in validation order: what a later layer is built from is validated first.
LAYERS = ("raw", "staging", "intermediate", "marts", "audit", "checks")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_DATASET_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_STRING_LITERAL = re.compile(r"'(?:[^']|'')*'")
_LINE_COMMENT = re.compile(r"--[^\n]*")


class SuiteFileError(ValueError):
    """A suite file is malformed; the message names the file, the expectation and the field."""


@dataclass(frozen=True)
class ExpectationSpec:
    name: str
    type: str
    kwargs: dict[str, Any]
    requires: tuple[str, ...]
    document: dict[str, Any]  # the expectation as written in the suite file, handed to GX
    examples: str | None = None  # column listing example records of a row, in datasets aggregated in SQL


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    path: Path
    sql: str
    description: str
    key: tuple[str, ...]
    params: dict[str, Any]
    requires: tuple[str, ...]
    semantic_layer_metrics: tuple[str, ...]
    expectations: tuple[ExpectationSpec, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def layer(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def sql_params(self) -> tuple[str, ...]:
        return query_params(self.sql)

    def expectation(self, name: str) -> ExpectationSpec:
        return next(e for e in self.expectations if e.name == name)


# The dbt macro of a rule the warehouse build and the gate share; every macro of the gate's own checks
# (expectations/macros/*.sql) is shared too, found by parsing the files rather than listed.
_DBT_SHARED_MACRO_FILES = ("in_lookback_window.sql",)


@cache
def _macro_env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([DBT_PROJECT_DIR / "macros", EXPECTATIONS_DIR / "macros"]),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
    )


@cache
def shared_macros() -> dict[str, tuple[str, ...]]:
    """The macros a dataset query may call, by file name (jinja's parser names them)."""
    files = [DBT_PROJECT_DIR / "macros" / name for name in _DBT_SHARED_MACRO_FILES]
    files += sorted((EXPECTATIONS_DIR / "macros").glob("*.sql"))
    env = _macro_env()
    return {
        path.name: tuple(node.name for node in env.parse(path.read_text(encoding="utf-8")).find_all(jinja2.nodes.Macro))
        for path in files
    }


def render_query(sql_path: Path, sql: str | None = None) -> str:
    """A dataset query with the shared macros rendered (`{{ in_lookback_window(...) }}`, the checks of
    expectations/macros/mart_checks.sql); `sql` is the query's text when it is generated rather than read
    from `sql_path`."""
    imports = "".join(f"{{% from '{file}' import {', '.join(names)} %}}" for file, names in shared_macros().items())
    text = sql_path.read_text(encoding="utf-8") if sql is None else sql
    try:
        return _macro_env().from_string(imports + text).render()
    except jinja2.TemplateError as exc:
        raise SuiteFileError(f"{sql_path}: dataset query: {exc}") from exc


def query_params(sql: str) -> tuple[str, ...]:
    """The `$name` placeholders of a query (DuckDB rejects unused named parameters, so pass exactly these).

    String literals and comments are ignored: JSON paths such as '$."$insert_id"' are not parameters.
    """
    bare = _STRING_LITERAL.sub("''", _LINE_COMMENT.sub("", sql))
    return tuple(dict.fromkeys(_PARAM.findall(bare)))


def _fail(path: Path, where: str, message: str) -> SuiteFileError:
    return SuiteFileError(f"{path}: {where}: {message}")


def _string_list(path: Path, where: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(path, where, f"expected a list of names, got {value!r}")
    return tuple(value)


def _requirements(path: Path, where: str, value: Any) -> tuple[str, ...]:
    names = _string_list(path, where, value)
    unknown = [n for n in names if n not in REQUIREMENTS]
    if unknown:
        raise _fail(path, where, f"unknown requirement(s) {unknown}; expected some of {sorted(REQUIREMENTS)}")
    return names


def _parse_expectation(path: Path, index: int, raw: Any, seen: set[str]) -> ExpectationSpec:
    where = f"expectations[{index}]"
    if not isinstance(raw, dict):
        raise _fail(path, where, "expected an object")
    etype = raw.get("type")
    if not isinstance(etype, str) or not etype.startswith("expect_"):
        raise _fail(path, where, f"field 'type': expected a GX expectation type, got {etype!r}")
    kwargs = raw.get("kwargs")
    if not isinstance(kwargs, dict):
        raise _fail(path, f"{where} ({etype})", "field 'kwargs': expected an object")
    meta = raw.get("meta")
    name = meta.get("name") if isinstance(meta, dict) else None
    if not isinstance(name, str) or not _NAME.match(name):
        raise _fail(
            path, f"{where} ({etype})", f"field 'meta.name': expected a snake_case name, got {name!r}"
        )
    if name in seen:
        raise _fail(path, f"{where} ({name})", "field 'meta.name': used twice in this suite")
    seen.add(name)
    if not isinstance(raw.get("description"), str) or not raw["description"].strip():
        raise _fail(path, f"{where} ({name})", "field 'description': missing (say what the rule protects)")
    requires = _requirements(path, f"{where} ({name}): field 'meta.requires'", meta.get("requires"))
    examples = meta.get("examples")
    if examples is not None and (not isinstance(examples, str) or not examples):
        raise _fail(path, f"{where} ({name})", f"field 'meta.examples': expected a column name, got {examples!r}")
    return ExpectationSpec(
        name=name, type=etype, kwargs=dict(kwargs), requires=requires, document=raw, examples=examples
    )


def load_suite(path: Path) -> SuiteSpec:
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SuiteFileError(f"{path}: unreadable: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise SuiteFileError(
            f"{path}: invalid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    sql_path = path.with_name(f"{path.name.removesuffix('.json')}.sql")
    return parse_suite(path, doc, sql_path.read_text(encoding="utf-8") if sql_path.is_file() else None)


def parse_suite(path: Path, doc: Any, sql: str | None) -> SuiteSpec:
    """A suite document and its dataset query (None: not found next to the suite), checked; `path` names
    the suite in every message."""
    if not isinstance(doc, dict):
        raise _fail(path, "top level", "expected an object")
    name = doc.get("name")
    expected_name = path.name.removesuffix(".json")
    if name != expected_name:
        raise _fail(path, "field 'name'", f"must equal the file name {expected_name!r}, got {name!r}")
    if not _DATASET_NAME.match(name) or name.split(".", 1)[0] not in LAYERS:
        raise _fail(path, "field 'name'", f"expected <layer>.<table> with layer in {LAYERS}, got {name!r}")
    meta = doc.get("meta")
    dataset = meta.get("dataset") if isinstance(meta, dict) else None
    if not isinstance(dataset, dict):
        raise _fail(path, "field 'meta.dataset'", "missing (describes the rows this suite validates)")
    description = dataset.get("description")
    if not isinstance(description, str) or not description.strip():
        raise _fail(path, "field 'meta.dataset.description'", "missing")
    params = dataset.get("params") or {}
    if not isinstance(params, dict):
        raise _fail(path, "field 'meta.dataset.params'", "expected an object of SQL parameters")
    raw_expectations = doc.get("expectations")
    if not isinstance(raw_expectations, list) or not raw_expectations:
        raise _fail(path, "field 'expectations'", "expected a non-empty list")
    seen: set[str] = set()
    expectations = tuple(_parse_expectation(path, i, e, seen) for i, e in enumerate(raw_expectations))
    if sql is None:
        raise _fail(path, "dataset query", f"{name}.sql not found next to the suite")
    return SuiteSpec(
        name=name,
        path=path,
        sql=render_query(path.with_name(f"{name}.sql"), sql),
        description=description.strip(),
        key=_string_list(path, "field 'meta.dataset.key'", dataset.get("key")),
        params=dict(params),
        requires=_requirements(path, "field 'meta.dataset.requires'", dataset.get("requires")),
        semantic_layer_metrics=_string_list(
            path, "field 'meta.dataset.semantic_layer_metrics'", dataset.get("semantic_layer_metrics")
        ),
        expectations=expectations,
        meta=dict(meta),
    )


def suite_dirs() -> tuple[Path, ...]:
    """The gate's suite folders: expectations/ (the layers above raw, and the raw zone's bookkeeping)
    plus each registered source's expectations/ (its raw suites, beside its client)."""
    return (EXPECTATIONS_DIR, *(spec.expectations_dir for spec in registered_sources()))


def generated_suites(folder: Path) -> list[SuiteSpec]:
    """The raw suites of the source whose expectations/ `folder` is, generated from its record schema and
    its raw_suites.py when loaded (insights.extraction.schema_outputs); none for any other folder."""
    from insights.extraction.schema_outputs import raw_suite_documents

    source = next((spec.name for spec in registered_sources() if spec.expectations_dir == folder), None)
    if source is None:
        return []
    return [parse_suite(folder / f"{name}.json", doc, sql) for name, doc, sql in raw_suite_documents(source)]


def load_suites(directories: Path | Sequence[Path], names: tuple[str, ...] | None = None) -> list[SuiteSpec]:
    """Every suite of the folder(s) (or the named ones), in layer order."""
    folders = (Path(directories),) if isinstance(directories, str | Path) else tuple(map(Path, directories))
    where = ", ".join(str(folder) for folder in folders)
    paths = sorted((p for folder in folders for p in folder.glob("*.json")), key=lambda p: p.name)
    suites = [load_suite(p) for p in paths] + [s for folder in folders for s in generated_suites(folder)]
    if not suites:
        raise SuiteFileError(f"{where}: no suite files (*.json)")
    if names is not None:
        known = {s.name for s in suites}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise SuiteFileError(f"{where}: no suite named {', '.join(unknown)}")
        suites = [s for s in suites if s.name in names]
    return sorted(suites, key=lambda s: (LAYERS.index(s.layer), s.name))

"""dbt's Jinja context as sqlfluff's jinja templater sees it (`library_path` in .sqlfluff).

sqlfluff's dbt builtins cover ref, source, config, is_incremental and this; the project's macros also
read the target, dispatch per adapter and check their vars. The names below stand in for those on the
duckdb target, without a connection: `var` reads the defaults of dbt_project.yml (their one home), and
`execute` is false as in dbt's parse phase, so no macro queries the warehouse.
"""

import datetime as _datetime
import os as _os
import re as _re
from pathlib import Path as _Path
from types import SimpleNamespace as _Namespace
from typing import Any as _Any

import jinja2 as _jinja2
import yaml as _yaml

_PROJECT_VARS: dict[str, _Any] = _yaml.safe_load(
    (_Path(__file__).resolve().parents[1] / "dbt_project.yml").read_text(encoding="utf-8")
).get("vars", {})

execute = False
target = _Namespace(type="duckdb", name="duckdb", schema="main", database="warehouse")
flags = _Namespace(FULL_REFRESH=False)
graph: dict[str, _Any] = {"nodes": {}, "sources": {}}
modules = _Namespace(re=_re, datetime=_datetime)


def var(name: str, default: _Any = None) -> _Any:
    return _PROJECT_VARS.get(name, default)


def env_var(name: str, default: str = "") -> str:
    return _os.environ.get(name, default)


def _raise_compiler_error(message: str) -> None:
    raise _jinja2.TemplateRuntimeError(message)


exceptions = _Namespace(raise_compiler_error=_raise_compiler_error)


@_jinja2.pass_context
def _dispatch(context: _jinja2.runtime.Context, macro_name: str, macro_namespace: str | None = None) -> _Any:
    """dbt's adapter.dispatch on duckdb: the duckdb__ implementation, else the default__ one."""
    for prefix in ("duckdb__", "default__"):
        macro = context.resolve_or_missing(prefix + macro_name)
        if macro is not _jinja2.runtime.missing:
            return macro
    raise _jinja2.TemplateRuntimeError(f"adapter.dispatch: no duckdb__ or default__ {macro_name}")


def _get_relation(**_kwargs: _Any) -> None:
    return None


adapter = _Namespace(dispatch=_dispatch, get_relation=_get_relation)


def _position(substring: str, string: str) -> str:
    """dbt's cross-database position() (its default implementation, the one dbt-duckdb uses)."""
    return f"position({substring} in {string})"


dbt = _Namespace(position=_position)

"""Dashboards as code: the YAML definitions under bi/dashboards/, the one source of truth that
provisions both Superset (insights.bi.superset_bundle) and Metabase (insights.serving.metabase).

A definition file is one dashboard:

    title: Engagement
    slug: engagement
    description: text shown at the top of the dashboard
    datasets:                       # what the charts read, by name
      active_users: {table: metrics_active_users_daily}          # a published mart
      curves: {sql: "select ... from {{ schema }}.metrics_retention_cohorts"}   # Jinja2 SQL
    charts:
      - name: dau_headline
        title: DAU, last complete day
        dataset: active_users
        kind: big_number | line | bar | table
        x: date_day                 # the x axis (a time column, or a category)
        x_format: YYYY-MM-DD        # to_char format of a time x shown as a category (label marking)
        group_by: [feature]         # one series per value
        series: [{sql: dau, label: DAU, agg: max, format: ",d"}]
        where: "segment = 'all'"
        incomplete: series | label | exclude | none
        format: ",d"                # d3 format of the values
        width: 6                    # of 12 columns
        height: 50

Incomplete periods (metrics.md 1.6): a dataset carries completeness when its rows have a boolean
`is_complete` column (the published mart has it, or the dataset's SQL selects it). A chart then marks
them: `series` splits each series into its complete and incomplete part (a separate series drawn in
its own colour), `label` appends " (incomplete)" to the x label, `exclude` keeps complete periods only
(headline numbers). When the column is not there (yet), charts show every row unmarked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml

COMPLETENESS_COLUMN = "is_complete"
INCOMPLETE_SUFFIX = " (incomplete)"
KINDS = ("big_number", "line", "bar", "table")
MARKINGS = ("series", "label", "exclude", "none")
AGGREGATES = ("max", "min", "sum", "avg", "count", "none")  # none: `sql` is an aggregate already
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SQL_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


class DefinitionError(ValueError):
    """A dashboard definition is invalid; the message names the file, the chart and the field."""


def default_dir() -> Path:
    """bi/dashboards of the repository, or $INSIGHTS_BI_DIR/dashboards (e.g. inside a container)."""
    root = os.environ.get("INSIGHTS_BI_DIR")
    return (Path(root) if root else Path(__file__).resolve().parents[3] / "bi") / "dashboards"


def quote(name: str) -> str:
    """A SQL identifier, quoted when it is not a plain lower-case name (labels with spaces...)."""
    return name if _SQL_IDENTIFIER.match(name) else '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Series:
    sql: str
    label: str
    agg: str = "max"
    format: str | None = None  # d3 format of this series in a table (the chart's `format` otherwise)


@dataclass(frozen=True)
class Dataset:
    name: str
    table: str | None = None
    sql: str | None = None  # Jinja2 template; rendered with `schema` and `has_column(table, column)`


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    dataset: str
    kind: str
    series: tuple[Series, ...]
    x: str | None = None
    x_format: str = "YYYY-MM-DD"
    group_by: tuple[str, ...] = ()
    where: str | None = None
    incomplete: str | None = None  # None: the kind's default (see `marking`)
    format: str | None = None
    stack: bool = False
    description: str | None = None
    width: int = 6
    height: int = 50

    @property
    def marking(self) -> str:
        if self.incomplete:
            return self.incomplete
        if self.kind == "big_number":
            return "exclude"
        if self.kind == "table" or self.x is None:
            return "none"
        return "label" if self.group_by else "series"


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: str
    description: str
    datasets: dict[str, Dataset]
    charts: tuple[Chart, ...]
    path: Path = field(compare=False)


def _fail(path: Path, where: str, message: str) -> DefinitionError:
    return DefinitionError(f"{path}: {where}: {message}")


def _chart(path: Path, index: int, raw: Any, datasets: dict[str, Dataset]) -> Chart:
    where = f"charts[{index}]"
    if not isinstance(raw, dict):
        raise _fail(path, where, "expected a mapping")
    name = str(raw.get("name") or "")
    if not _NAME.match(name):
        raise _fail(path, f"{where}.name", f"expected a lower-case name, got {name!r}")
    where = f"chart {name!r}"
    known = {"name", "title", "dataset", "kind", "series", "x", "x_format", "group_by", "where", "incomplete",
             "format", "stack", "description", "width", "height"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise _fail(path, where, f"unknown field(s) {', '.join(unknown)}")
    for required in ("title", "dataset", "kind", "series"):
        if not raw.get(required):
            raise _fail(path, f"{where}.{required}", "missing")
    if raw["dataset"] not in datasets:
        raise _fail(path, f"{where}.dataset", f"{raw['dataset']!r} is not one of the datasets "
                    f"({', '.join(sorted(datasets))})")
    if raw["kind"] not in KINDS:
        raise _fail(path, f"{where}.kind", f"{raw['kind']!r} is not one of {', '.join(KINDS)}")
    if raw.get("incomplete") not in (None, *MARKINGS):
        raise _fail(path, f"{where}.incomplete", f"{raw['incomplete']!r} is not one of {', '.join(MARKINGS)}")
    series = []
    for n, item in enumerate(raw["series"]):
        if not isinstance(item, dict) or not item.get("sql") or not item.get("label"):
            raise _fail(path, f"{where}.series[{n}]", "expected a mapping with sql and label")
        agg = str(item.get("agg", "max")).lower()
        if agg not in AGGREGATES:
            raise _fail(path, f"{where}.series[{n}].agg", f"{agg!r} is not one of {', '.join(AGGREGATES)}")
        series.append(Series(str(item["sql"]).strip(), str(item["label"]), agg, item.get("format")))
    if raw["kind"] in ("line", "bar", "big_number") and not raw.get("x"):
        raise _fail(path, f"{where}.x", f"a {raw['kind']} chart needs an x column")
    if raw["kind"] == "big_number" and (len(series) != 1 or raw.get("group_by")):
        raise _fail(path, where, "a big_number shows exactly one series and no group_by")
    if raw.get("incomplete") == "series" and any(s.agg == "none" for s in series):
        raise _fail(path, f"{where}.incomplete", "series marking needs each series' agg (not none)")
    width = int(raw.get("width", 6))
    if not 1 <= width <= 12:
        raise _fail(path, f"{where}.width", f"{width} is not within 1..12 columns")
    group_by = raw.get("group_by") or []
    if isinstance(group_by, str):
        group_by = [group_by]
    return Chart(
        name=name, title=str(raw["title"]), dataset=str(raw["dataset"]), kind=str(raw["kind"]),
        series=tuple(series), x=raw.get("x"), x_format=str(raw.get("x_format", "YYYY-MM-DD")),
        group_by=tuple(str(g) for g in group_by), where=raw.get("where"), incomplete=raw.get("incomplete"),
        format=raw.get("format"), stack=bool(raw.get("stack", False)), description=raw.get("description"),
        width=width, height=int(raw.get("height", 50)),
    )


def load_dashboard(path: Path) -> Dashboard:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark else ""
        raise DefinitionError(f"{path}: {line}not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise DefinitionError(f"{path}: expected a mapping at the top level")
    for required in ("slug", "title", "datasets", "charts"):
        if not raw.get(required):
            raise _fail(path, required, "missing")
    if not _NAME.match(str(raw["slug"]).replace("-", "_")):
        raise _fail(path, "slug", f"expected lower-case letters, digits, - or _, got {raw['slug']!r}")
    datasets: dict[str, Dataset] = {}
    for name, spec in (raw["datasets"] or {}).items():
        if not _NAME.match(str(name)):
            raise _fail(path, f"datasets.{name}", "expected a lower-case name")
        if not isinstance(spec, dict) or bool(spec.get("table")) == bool(spec.get("sql")):
            raise _fail(path, f"datasets.{name}", "expected exactly one of `table` and `sql`")
        if spec.get("table") and not _SQL_IDENTIFIER.match(str(spec["table"])):
            raise _fail(path, f"datasets.{name}.table", f"{spec['table']!r} is not a table name")
        datasets[str(name)] = Dataset(str(name), spec.get("table"), spec.get("sql"))
    charts = tuple(_chart(path, n, c, datasets) for n, c in enumerate(raw["charts"]))
    names = [c.name for c in charts]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise _fail(path, "charts", f"duplicated chart name(s) {', '.join(duplicated)}")
    return Dashboard(str(raw["slug"]), str(raw["title"]), str(raw.get("description") or "").strip(),
                     datasets, charts, path)


def load_dashboards(folder: Path | None = None) -> list[Dashboard]:
    folder = folder or default_dir()
    files = sorted(folder.glob("*.yml"))
    if not files:
        raise DefinitionError(f"{folder}: no dashboard definition (*.yml)")
    dashboards = [load_dashboard(f) for f in files]
    slugs = [d.slug for d in dashboards]
    if len(set(slugs)) != len(slugs):
        raise DefinitionError(f"{folder}: duplicated dashboard slug among {', '.join(slugs)}")
    return dashboards


# -- rendering against a serving schema ---------------------------------------------------------------

ColumnLookup = Callable[[str], Iterable[str]]  # table -> its column names in the serving schema


@dataclass(frozen=True)
class ResolvedDataset:
    """A dataset bound to a serving schema: its SQL and whether its rows carry completeness."""

    name: str
    sql: str
    table: str | None
    columns: tuple[str, ...]  # output columns, in order

    @property
    def has_completeness(self) -> bool:
        return COMPLETENESS_COLUMN in self.columns


def render_dataset_sql(dataset: Dataset, schema: str, columns_of: ColumnLookup) -> str:
    if dataset.table:
        return f"select * from {schema}.{dataset.table}"
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    template = env.from_string(dataset.sql or "")
    return template.render(schema=schema, has_column=lambda table, column: column in set(columns_of(table))).strip()


def _case(condition: str, expression: str) -> str:
    return f"case when {condition} then {expression} end"


@dataclass(frozen=True)
class Metric:
    """One plotted series as SQL over the dataset's rows: an aggregate expression and its label."""

    sql: str
    label: str
    incomplete: bool = False


def _aggregate(series: Series, expression: str) -> str:
    return expression if series.agg == "none" else f"{series.agg}({expression})"


def chart_metrics(chart: Chart, dataset: ResolvedDataset) -> list[Metric]:
    if chart.marking == "series" and dataset.has_completeness:
        complete = [Metric(_aggregate(s, _case(COMPLETENESS_COLUMN, s.sql)), s.label) for s in chart.series]
        incomplete = [Metric(_aggregate(s, _case(f"not {COMPLETENESS_COLUMN}", s.sql)), s.label + INCOMPLETE_SUFFIX,
                             incomplete=True) for s in chart.series]
        return complete + incomplete
    return [Metric(_aggregate(s, s.sql), s.label) for s in chart.series]


def x_expression(chart: Chart, dataset: ResolvedDataset) -> str | None:
    """The x axis as SQL: the column itself, or (label marking) its text with the incomplete suffix."""
    if chart.x is None:
        return None
    if chart.marking == "label":
        text = f"to_char({chart.x}, '{chart.x_format}')" if chart.x_format else f"cast({chart.x} as text)"
        if dataset.has_completeness:
            return f"{text} || case when {COMPLETENESS_COLUMN} then '' else '{INCOMPLETE_SUFFIX}' end"
        return text
    return chart.x


def chart_filters(chart: Chart, dataset: ResolvedDataset) -> list[str]:
    filters = [chart.where] if chart.where else []
    if chart.marking == "exclude" and dataset.has_completeness:
        filters.append(COMPLETENESS_COLUMN)
    return filters


def x_label(chart: Chart) -> str:
    """The x column's name in results. A label differs from the column it is made of: BI tools type a
    result column by the dataset column of the same name, and would read the labels as dates."""
    if chart.x is None:
        return ""
    return f"{chart.x}_label" if chart.marking == "label" else chart.x


def chart_sql(chart: Chart, dataset: ResolvedDataset) -> str:
    """The chart's whole query (what Metabase runs, and what tests run against the serving schema):
    x, group_by, then one column per series, grouped and ordered by x."""
    keys = []
    x = x_expression(chart, dataset)
    if x is not None:
        keys.append(f"{x} as {quote(x_label(chart))}")
    keys += [quote(g) for g in chart.group_by]
    metrics = [f"{m.sql} as {quote(m.label)}" for m in chart_metrics(chart, dataset)]
    filters = chart_filters(chart, dataset)
    lines = [f"select {', '.join(keys + metrics)}", f"from ({dataset.sql}) as d"]
    if filters:
        lines.append("where " + " and ".join(f"({f})" for f in filters))
    if keys:
        positions = ", ".join(str(n + 1) for n in range(len(keys)))
        lines += [f"group by {positions}", f"order by {positions}"]
    return "\n".join(lines)

"""A short, plain-text KPI summary read from the published snapshot (`insights kpis`, end of `insights demo`).

It reads what PMs read: the serving schema's views of the last publication, not the candidate
warehouse, which may hold a build the quality gate has not passed (or failed). The headlines are
the `meta.summary` entries of the public marts' YAML (insights.kpis); each reads the mart's last
complete period whose values are all present, since the newest period is still filling (a month
in progress has no CSAT yet) and would print "no data" over a perfectly good last month.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from insights.kpis import MANIFEST, Mart, Summary, kpi_marts, read_artifact


class NoPublicationError(RuntimeError):
    """Nothing readable is published yet: there is no KPI to show."""


def _publication(con: duckdb.DuckDBPyConnection, schema: str) -> tuple[int, str] | None:
    try:
        row = con.execute(f'select max(version), max(published_at) from "{schema}"."_publication"').fetchone()
    except duckdb.Error:
        return None
    return (int(row[0]), str(row[1])[:19]) if row and row[0] is not None else None


def headline_sql(mart: Mart, summary: Summary, schema: str) -> str:
    """The latest complete period of the mart with every summary column present."""
    time_column = mart.time_column
    present = [f'latest."{c}" is not null' for c in summary.columns]
    where = " and ".join(["latest.is_complete", *present, *([f"({summary.where})"] if summary.where else [])])
    columns = ", ".join(f'latest."{c}"' for c in summary.columns)
    return (f'select latest."{time_column}", {columns} from "{schema}"."{mart.name}" as latest '
            f'where {where} order by latest."{time_column}" desc limit 1')


def _headline(con: duckdb.DuckDBPyConnection, mart: Mart, summary: Summary, schema: str) -> str:
    label = f"{summary.label} (last complete {mart.period})"
    try:
        row = con.execute(headline_sql(mart, summary, schema)).fetchone()
    except duckdb.CatalogException:
        return f"  {label}: mart not published"
    if row is None:
        return f"  {label}: no complete {mart.period} yet"
    values = dict(zip(summary.columns, row[1:], strict=True))
    return f"  {label}: {row[0]}: {summary.format.format(**values)}"


def kpi_summary(snapshot: Path, manifest_dir: Path) -> str:
    """The KPI lines of the published snapshot; NoPublicationError when there is none (or it is unreadable).

    `manifest_dir` holds the manifest of this home's last dbt run, which declares the headlines."""
    from insights.reports.overview import published_schema

    if not snapshot.is_file():
        raise NoPublicationError(
            f"nothing published yet at {snapshot}: run `make demo`, or `insights backfill` "
            "(or `insights gate` then `insights publish`) first"
        )
    try:
        con = duckdb.connect(str(snapshot), read_only=True)
    except duckdb.Error as exc:
        raise NoPublicationError(f"{snapshot} cannot be read as a published snapshot: {exc}") from exc
    with con:
        schema = published_schema(con)
        publication = _publication(con, schema)
        if publication is None:
            raise NoPublicationError(
                f"{snapshot} holds no publication record ({schema}._publication): publish again with `insights publish`"
            )
        version, published_at = publication
        marts = kpi_marts(read_artifact(manifest_dir / MANIFEST))
        lines = [f"KPI summary of publication {version} ({published_at} UTC, {snapshot})"]
        lines += [_headline(con, mart, summary, schema) for mart in marts for summary in mart.summaries]
    return "\n".join(lines)

"""dbt docs for the published tables: descriptions become table and column comments.

BI tools (Metabase, Superset, DBeaver, Excel's Postgres connector) show comments next to
tables and fields, so PMs read each column's definition where they query it. The manifest
(read by insights.kpis) is optional here: without one (no dbt run on this home yet) tables
are published uncommented.
"""

from __future__ import annotations

import logging
from pathlib import Path

from insights.kpis import ArtifactError, TableDocs, read_artifact, table_docs

__all__ = ["TableDocs", "load_table_docs", "table_comment"]


def load_table_docs(manifest_path: Path, log: logging.Logger) -> dict[tuple[str, str], TableDocs]:
    """(schema, table) -> docs of every dbt model in the manifest; {} when it is missing or unreadable."""
    if not manifest_path.is_file():
        log.info("no dbt manifest at %s: publishing without descriptions", manifest_path)
        return {}
    try:
        return table_docs(read_artifact(manifest_path))
    except ArtifactError as exc:
        log.warning("%s: unreadable dbt manifest (%s): publishing without descriptions", manifest_path, exc)
        return {}


def table_comment(docs: TableDocs | None, relation: str, version: int) -> str:
    """What a reader sees on the table: definition, owner and where it comes from."""
    parts = [docs.description] if docs and docs.description else []
    if docs and docs.owner:
        parts.append(f"Owner: {docs.owner}.")
    parts.append(f"Governed mart {relation}, publication {version}.")
    return " ".join(parts)

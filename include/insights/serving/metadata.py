"""dbt docs for the published tables: descriptions become table and column comments.

BI tools (Metabase, Superset, DBeaver, Excel's Postgres connector) show comments next to
tables and fields, so PMs read each column's definition where they query it. The manifest
is optional: without one (no dbt run on this home yet) tables are published uncommented.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class TableDocs:
    description: str
    owner: str | None
    columns: dict[str, str] = field(default_factory=dict)


def load_table_docs(manifest_path: Path, log: logging.Logger) -> dict[tuple[str, str], TableDocs]:
    """(schema, table) -> docs of every dbt model in the manifest; {} when it is missing or unreadable."""
    if not manifest_path.is_file():
        log.info("no dbt manifest at %s: publishing without descriptions", manifest_path)
        return {}
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable dbt manifest (%s): publishing without descriptions", manifest_path, exc)
        return {}
    docs: dict[tuple[str, str], TableDocs] = {}
    for node in (manifest.get("nodes") or {}).values():
        if node.get("resource_type") != "model":
            continue
        meta = {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}
        columns = {
            name: (column.get("description") or "").strip()
            for name, column in (node.get("columns") or {}).items()
            if (column.get("description") or "").strip()
        }
        name = node.get("alias") or node.get("name")
        docs[(str(node.get("schema")), str(name))] = TableDocs(
            description=(node.get("description") or "").strip(),
            owner=str(meta["owner"]) if meta.get("owner") else None,
            columns=columns,
        )
    return docs


def table_comment(docs: TableDocs | None, relation: str, version: int) -> str:
    """What a reader sees on the table: definition, owner and where it comes from."""
    parts = [docs.description] if docs and docs.description else []
    if docs and docs.owner:
        parts.append(f"Owner: {docs.owner}.")
    parts.append(f"Governed mart {relation}, publication {version}.")
    return " ".join(parts)

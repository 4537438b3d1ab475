"""What a source declares about itself (``insights.sources.<name>.SPEC``); every shared registry derives
from these: settings and credentials, retries, DAGs and tags, raw tables, stream schemas, simulator routes.

Imported at DAG-parse time: standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from insights.derived import formatted, path_under


@dataclass(frozen=True)
class StreamSpec:
    """One stream of a source: its raw-zone folder, its raw table and its dbt source table."""

    stream: str
    raw_table: str  # table in the warehouse's `raw` schema
    dbt_table: str  # table name in the source's dbt `sources:` YAML (staging/_<source>__sources.yml)
    partition_columns: tuple[str, ...] = ()  # raw-zone partition columns besides dt


@dataclass(frozen=True)
class SourceSpec:
    name: str
    package_dir: Path  # the source's folder: its spec, client.py, raw_suites.py, staging/, expectations/
    # Credential key (as the client and the simulator name it) -> the environment variable holding it.
    credential_env: dict[str, str]
    retry_statuses: frozenset[int]
    read_timeout: float  # seconds, the default of the source's HTTP policy
    # How long after a record's vendor timestamp the vendor serves it: the extraction, the DAGs' waits
    # and the bundled simulator's clock all read it from here.
    availability_delay: timedelta
    streams: tuple[StreamSpec, ...]

    @property
    def url_env(self) -> str:
        return f"INSIGHTS_{self.name.upper()}_URL"

    # The module whose ``extract(ctx)`` extracts one interval (imported lazily, at run time).
    client_module = formatted("insights.sources.{self.name}.client")

    # The source's dbt staging models, their tests and its dbt sources YAML (a dbt model path:
    # dbt_project.yml lists ../include/insights/sources).
    staging_dir = path_under("package_dir", "staging")

    @property
    def sources_yml(self) -> Path:
        """The dbt sources YAML: where each stream's fields are declared (insights.extraction.schema)."""
        return self.staging_dir / f"_{self.name}__sources.yml"

    # Where the gate places the source's raw GX suites besides expectations/: they are built from the record
    # schema and raw_suites.py when loaded (insights.quality.suites.generated_suites), not checked in.
    expectations_dir = path_under("package_dir", "expectations")

    @property
    def raw_suite_names(self) -> tuple[str, ...]:
        """The GX suite of each stream's raw table, declared in the source's raw_suites.py."""
        return tuple(f"raw.{stream.raw_table}" for stream in self.streams)

"""Runtime configuration, read from environment variables only (documented in the README).

Secrets never come from files in the repository: credentials are read here, from the
environment (or injected by Airflow connections into the environment of a task).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from insights.derived import path_under
from insights.env_vars import env_value as _env
from insights.sources import registered_sources, source_names

if TYPE_CHECKING:
    from insights.raw_zone import RawZoneStore
    from insights.workspace import Workspace

PACKAGE_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
REPO_ROOT = Path(__file__).resolve().parent.parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"

# The registered sources, in registration order (insights.sources).
SOURCES = source_names()
DEFAULT_SERVING_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class SourceEndpoint:
    """Base URL and credentials of one SaaS API; ``base_url=None`` means the bundled simulator."""

    name: str
    base_url: str | None
    credentials: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def simulated(self) -> bool:
        return self.base_url is None


@dataclass(frozen=True)
class Settings:
    """One run's configuration: read once at the run's entry point (``load_settings``: the CLI command, each
    Airflow task callable) and passed down to every step. The workspace config files are parsed once too,
    on first use of ``workspace``."""

    home: Path
    warehouse: Path
    config_dir: Path
    replay_dir: Path | None
    endpoints: Mapping[str, SourceEndpoint]  # one per registered source (insights.sources)
    serving_dsn: str | None = None
    # Object storage the raw zone is published to and pulled from (insights.raw_zone); None: local only.
    raw_zone_url: str | None = None
    s3_endpoint_url: str | None = None

    @property
    def workspace(self) -> Workspace:
        """The workspace config of ``config_dir`` (tracking plan, product areas, settings.yml): read on first
        use and kept with these settings; read again only if one of its files changed since (a later run
        on the same settings object, e.g. a test editing the tracking plan between two nights)."""
        from insights.workspace import config_fingerprint, load_workspace

        fingerprint = config_fingerprint(self.config_dir)
        cached = self.__dict__.get("_workspace")
        if cached is None or cached[0] != fingerprint:
            cached = (fingerprint, load_workspace(self.config_dir))
            self.__dict__["_workspace"] = cached  # frozen dataclass: a cache, not a field
        return cached[1]

    def replace(self, **changes: object) -> Settings:
        """A copy with ``changes``; the workspace already read is kept unless ``config_dir`` changes."""
        copy = dataclasses.replace(self, **changes)  # type: ignore[arg-type]
        if "_workspace" in self.__dict__ and copy.config_dir == self.config_dir:
            copy.__dict__["_workspace"] = self.__dict__["_workspace"]
        return copy

    def raw_zone_store(self) -> RawZoneStore | None:
        """The raw zone on object storage, None when ``raw_zone_url`` is unset."""
        from insights.raw_zone import RawZoneStore

        return RawZoneStore(self.raw_zone_url, endpoint_url=self.s3_endpoint_url) if self.raw_zone_url else None

    raw_dir = path_under("home", "raw")
    state_dir = path_under("home", "state")
    reports_dir = path_under("home", "reports")
    logs_dir = path_under("home", "logs")
    published_snapshot = path_under(
        "home", "published", "insights.duckdb",
        doc="The read-only DuckDB copy of the governed marts that BI readers open (swapped atomically).",
    )

    def endpoint(self, source: str) -> SourceEndpoint:
        if source not in self.endpoints:
            raise ValueError(f"unknown source {source!r}; expected one of {', '.join(self.endpoints)}")
        return self.endpoints[source]

    @property
    def any_simulated(self) -> bool:
        return any(endpoint.simulated for endpoint in self.endpoints.values())


def load_settings() -> Settings:
    """Read the settings from the environment (called at run time, never at DAG-parse time)."""
    home = Path(_env("INSIGHTS_HOME") or ".insights").resolve()
    warehouse = Path(_env("INSIGHTS_WAREHOUSE") or home / "warehouse.duckdb").resolve()
    replay = _env("INSIGHTS_REPLAY_DIR")
    # A replay folder carries its workspace's config (sources.md section 4): use it unless told otherwise.
    default_config = Path(replay) / "config" if replay else PACKAGE_CONFIG_DIR
    config_dir = Path(_env("INSIGHTS_CONFIG_DIR") or default_config).resolve()
    return Settings(
        home=home,
        warehouse=warehouse,
        config_dir=config_dir,
        replay_dir=Path(replay).resolve() if replay else None,
        endpoints={
            spec.name: SourceEndpoint(
                spec.name,
                _env(spec.url_env),
                {key: _env(variable) or "" for key, variable in spec.credential_env.items()},
            )
            for spec in registered_sources()
        },
        # "none" turns the Postgres publication off (a machine without a Postgres server).
        serving_dsn=None if _env("INSIGHTS_SERVING_DSN") == "none"
        else _env("INSIGHTS_SERVING_DSN") or DEFAULT_SERVING_DSN,
        raw_zone_url=_env("INSIGHTS_RAW_ZONE_URL"),
        s3_endpoint_url=_env("INSIGHTS_S3_ENDPOINT_URL"),
    )

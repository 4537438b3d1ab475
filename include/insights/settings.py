"""Runtime configuration, read from environment variables only (documented in the README).

Secrets never come from files in the repository: credentials are read here, from the
environment (or injected by Airflow connections into the environment of a task).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
REPO_ROOT = Path(__file__).resolve().parent.parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"

SOURCES = ("amplitude", "zendesk", "typeform")
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
    home: Path
    warehouse: Path
    config_dir: Path
    replay_dir: Path | None
    amplitude: SourceEndpoint
    zendesk: SourceEndpoint
    typeform: SourceEndpoint
    serving_dsn: str | None = None

    @property
    def raw_dir(self) -> Path:
        return self.home / "raw"

    @property
    def state_dir(self) -> Path:
        return self.home / "state"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def published_snapshot(self) -> Path:
        """The read-only DuckDB copy of the governed marts that BI readers open (swapped atomically)."""
        return self.home / "published" / "insights.duckdb"

    def endpoint(self, source: str) -> SourceEndpoint:
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
        return getattr(self, source)

    @property
    def any_simulated(self) -> bool:
        return any(self.endpoint(s).simulated for s in SOURCES)


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


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
        amplitude=SourceEndpoint(
            "amplitude",
            _env("INSIGHTS_AMPLITUDE_URL"),
            {
                "api_key": _env("INSIGHTS_AMPLITUDE_API_KEY") or "",
                "secret_key": _env("INSIGHTS_AMPLITUDE_SECRET_KEY") or "",
            },
        ),
        zendesk=SourceEndpoint(
            "zendesk",
            _env("INSIGHTS_ZENDESK_URL"),
            {
                "email": _env("INSIGHTS_ZENDESK_EMAIL") or "",
                "api_token": _env("INSIGHTS_ZENDESK_API_TOKEN") or "",
            },
        ),
        typeform=SourceEndpoint(
            "typeform",
            _env("INSIGHTS_TYPEFORM_URL"),
            {"token": _env("INSIGHTS_TYPEFORM_TOKEN") or ""},
        ),
        # "none" turns the Postgres publication off (a machine without a Postgres server).
        serving_dsn=None if _env("INSIGHTS_SERVING_DSN") == "none"
        else _env("INSIGHTS_SERVING_DSN") or DEFAULT_SERVING_DSN,
    )

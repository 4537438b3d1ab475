"""Where the local stack lives and the environment its processes share (all from the environment)."""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from insights.settings import DEFAULT_SERVING_DSN, REPO_ROOT
from insights.sources import source_names

DEFAULT_HISTORY_DAYS = 14
PROCFILE = REPO_ROOT / "Procfile"
EXTRACT_DAGS = tuple(f"extract_{name}" for name in source_names())
ALL_DAGS = (*EXTRACT_DAGS, "warehouse_build", "audit_hygiene")


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _metadata_dsn() -> str | None:
    explicit = os.environ.get("INSIGHTS_STACK_METADATA_DSN", "").strip()
    if explicit:
        return explicit
    serving = os.environ.get("INSIGHTS_SERVING_DSN", "").strip() or DEFAULT_SERVING_DSN
    return None if serving == "none" else serving


@dataclass(frozen=True)
class StackConfig:
    home: Path  # the stack's INSIGHTS_HOME: raw zone, warehouse, snapshot, reports
    airflow_port: int
    simulator_port: int
    reports_port: int
    history_days: int
    today: date  # the day the simulator's world and the schedule are anchored on
    user: str
    metadata_dsn: str | None  # Postgres for Airflow's metadata (None: SQLite in the Airflow home)

    @classmethod
    def from_env(cls, today: date | None = None) -> StackConfig:
        insights_home = Path(os.environ.get("INSIGHTS_HOME") or REPO_ROOT / ".insights")
        home = Path(os.environ.get("INSIGHTS_STACK_HOME") or insights_home / "stack").resolve()
        return cls(
            home=home,
            airflow_port=_int_env("INSIGHTS_AIRFLOW_PORT", 8080),
            simulator_port=_int_env("INSIGHTS_SIM_PORT", 8765),
            reports_port=_int_env("INSIGHTS_REPORTS_PORT", 8081),
            history_days=_int_env("INSIGHTS_SIM_HISTORY_DAYS", DEFAULT_HISTORY_DAYS),
            today=today or datetime.now(UTC).date(),
            user=os.environ.get("INSIGHTS_AIRFLOW_USER", "admin"),
            metadata_dsn=_metadata_dsn(),
        )

    # -- files ------------------------------------------------------------------------------
    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def airflow_home(self) -> Path:
        return self.home / "airflow"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "honcho.pid"

    @property
    def log_file(self) -> Path:
        return self.run_dir / "stack.log"

    @property
    def passwords_file(self) -> Path:
        return self.airflow_home / "simple_auth_manager_passwords.json"

    @property
    def first_day(self) -> date:
        return self.today - timedelta(days=self.history_days)

    @property
    def airflow_url(self) -> str:
        return f"http://127.0.0.1:{self.airflow_port}"

    @property
    def simulator_url(self) -> str:
        return f"http://127.0.0.1:{self.simulator_port}"

    @property
    def reports_url(self) -> str:
        return f"http://127.0.0.1:{self.reports_port}/"

    def metadata_env(self) -> dict[str, str]:
        """Airflow's metadata DB: INSIGHTS_STACK_METADATA_DSN, by default the Postgres database the marts
        are served from (its tables sit beside the serving schema; give Airflow a database of its own in
        production). Postgres, because four processes and the tasks write to it at once, which SQLite
        answers with "database is locked"; SQLite only when there is no Postgres (INSIGHTS_SERVING_DSN=none)."""
        if self.metadata_dsn is None:
            return {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.airflow_home / 'airflow.db'}"}
        rest = self.metadata_dsn.split("://", 1)[1]
        return {
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{rest}",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": f"postgresql+asyncpg://{rest}",
        }

    def secret(self, name: str) -> str:
        """A random secret made once per stack home (JWT signing key, UI session key): every process
        must share it, and it must survive a restart."""
        path = self.run_dir / f"{name}.secret"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()

    def environment(self) -> dict[str, str]:
        """The environment of every process of the Procfile (and of the Airflow CLI calls of `up`)."""
        env = dict(os.environ)
        bin_dir = str(Path(sys.executable).parent)
        env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
        env.update(
            {
                "INSIGHTS_HOME": str(self.home),
                "AIRFLOW_HOME": str(self.airflow_home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__PARALLELISM": env.get("AIRFLOW__CORE__PARALLELISM", "4"),
                # The DAGs run as soon as they are parsed: no one has to unpause them in the UI.
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.airflow_url}/execution/",
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.airflow_port),
                "AIRFLOW__API__BASE_URL": self.airflow_url,
                "AIRFLOW__API__WORKERS": "1",  # 2 cores: one API worker is plenty for one user
                # ... but on 2 busy cores it may answer later than the 5 s a task waits by default
                "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "30",
                "AIRFLOW__API_AUTH__JWT_SECRET": self.secret("jwt"),
                "AIRFLOW__API__SECRET_KEY": self.secret("api"),
                # Simple auth manager: the users come from the environment, their passwords from a file.
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{self.user}:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.passwords_file),
                "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
                "DO_NOT_TRACK": "1",
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
                # The schedule starts with the simulator's history; the history is backfilled by `up`.
                "INSIGHTS_SCHEDULE_START": self.first_day.isoformat(),
                "INSIGHTS_SIM_HISTORY_DAYS": str(self.history_days),
                "INSIGHTS_SIM_PORT": str(self.simulator_port),
                "INSIGHTS_AIRFLOW_PORT": str(self.airflow_port),
                "INSIGHTS_REPORTS_PORT": str(self.reports_port),
                "INSIGHTS_REPORTS_DIR": str(self.home / "reports"),
            }
        )
        env.setdefault("INSIGHTS_RETRY_DELAY_SECONDS", "60")  # locally, retry a failed task after a minute
        env.update(self.metadata_env())
        from insights_dev.simulator.credentials import simulated_env  # the stack serves the simulator

        for name, value in simulated_env(self.simulator_url).items():
            env.setdefault(name, value)
        return env


"""Where the local stack lives and the environment its processes share (all from the environment)."""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from insights.derived import formatted, path_under
from insights.env_vars import env_int, env_value
from insights.settings import DEFAULT_SERVING_DSN, REPO_ROOT
from insights.sources import source_names

DEFAULT_HISTORY_DAYS = 14
PROCFILE = REPO_ROOT / "Procfile"
EXTRACT_DAGS = tuple(f"extract_{name}" for name in source_names())
ALL_DAGS = (*EXTRACT_DAGS, "warehouse_build", "audit_hygiene")
EXECUTORS = {"local": "LocalExecutor", "celery": "CeleryExecutor"}
CELERY_WORKER = "celery-worker"  # the Procfile process that only runs under INSIGHTS_EXECUTOR=celery
DEFAULT_CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"


def _metadata_dsn() -> str | None:
    explicit = env_value("INSIGHTS_STACK_METADATA_DSN")
    if explicit:
        return explicit
    serving = env_value("INSIGHTS_SERVING_DSN") or DEFAULT_SERVING_DSN
    return None if serving == "none" else serving


def _executor() -> str:
    value = (env_value("INSIGHTS_EXECUTOR") or "local").lower()
    if value not in EXECUTORS:
        raise ValueError(f"INSIGHTS_EXECUTOR={value!r}: expected one of {', '.join(sorted(EXECUTORS))}")
    return value


def procfile_processes(procfile: Path = PROCFILE) -> tuple[str, ...]:
    """The process names of the Procfile, in its order."""
    lines = (line.split(":", 1)[0].strip() for line in procfile.read_text().splitlines())
    return tuple(name for name in lines if name and not name.startswith("#"))


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
    executor: str = "local"  # INSIGHTS_EXECUTOR: local (LocalExecutor) or celery (CeleryExecutor on Redis)
    celery_broker_url: str = DEFAULT_CELERY_BROKER_URL  # INSIGHTS_CELERY_BROKER_URL

    @classmethod
    def from_env(cls, today: date | None = None) -> StackConfig:
        insights_home = Path(env_value("INSIGHTS_HOME") or REPO_ROOT / ".insights")
        home = Path(env_value("INSIGHTS_STACK_HOME") or insights_home / "stack").resolve()
        return cls(
            home=home,
            airflow_port=env_int("INSIGHTS_AIRFLOW_PORT", 8080),
            simulator_port=env_int("INSIGHTS_SIM_PORT", 8765),
            reports_port=env_int("INSIGHTS_REPORTS_PORT", 8081),
            history_days=env_int("INSIGHTS_SIM_HISTORY_DAYS", DEFAULT_HISTORY_DAYS),
            today=today or datetime.now(UTC).date(),
            user=os.environ.get("INSIGHTS_AIRFLOW_USER", "admin"),
            metadata_dsn=_metadata_dsn(),
            executor=_executor(),
            celery_broker_url=env_value("INSIGHTS_CELERY_BROKER_URL") or DEFAULT_CELERY_BROKER_URL,
        )

    def processes(self) -> tuple[str, ...]:
        """The Procfile processes this stack runs: the Celery worker only under the Celery executor."""
        names = procfile_processes()
        return names if self.executor == "celery" else tuple(n for n in names if n != CELERY_WORKER)

    # -- files ------------------------------------------------------------------------------
    run_dir = path_under("home", "run")
    airflow_home = path_under("home", "airflow")
    pid_file = path_under("run_dir", "honcho.pid")
    log_file = path_under("run_dir", "stack.log")
    passwords_file = path_under("airflow_home", "simple_auth_manager_passwords.json")

    @property
    def first_day(self) -> date:
        return self.today - timedelta(days=self.history_days)

    airflow_url = formatted("http://127.0.0.1:{self.airflow_port}")
    simulator_url = formatted("http://127.0.0.1:{self.simulator_port}")
    reports_url = formatted("http://127.0.0.1:{self.reports_port}/")

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

    def executor_env(self) -> dict[str, str]:
        """LocalExecutor, or CeleryExecutor: tasks go through the Redis broker to `airflow celery worker`
        processes (on this machine or others); task states come back through the metadata database."""
        if self.executor == "local":
            return {"AIRFLOW__CORE__EXECUTOR": EXECUTORS["local"]}
        if self.metadata_dsn is None:
            raise ValueError("INSIGHTS_EXECUTOR=celery needs a Postgres metadata DB (INSIGHTS_STACK_METADATA_DSN)")
        rest = self.metadata_dsn.split("://", 1)[1]
        return {
            "AIRFLOW__CORE__EXECUTOR": EXECUTORS["celery"],
            "AIRFLOW__CELERY__BROKER_URL": self.celery_broker_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://{rest}",
            # 2 cores: one worker process with as many slots as the scheduler's parallelism.
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": os.environ.get("AIRFLOW__CORE__PARALLELISM", "4"),
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
        env.update(self.executor_env())
        from insights_dev.simulator.credentials import simulated_env  # the stack serves the simulator

        for name, value in simulated_env(self.simulator_url).items():
            env.setdefault(name, value)
        return env


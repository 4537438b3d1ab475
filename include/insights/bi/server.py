"""The local Superset server: initialised once per data folder, run as a supervised process group.

Superset lives in its own virtualenv (`.venv-bi`, installed by `make bi` from bi/requirements.lock:
its pins do not agree with Airflow's), so this module only starts its commands; it never imports it.
Everything Superset writes goes to $INSIGHTS_HOME/bi: the SQLite metadata database, the secret key
(generated once, mode 0600) and the server log.

| variable | meaning | default |
|---|---|---|
| `INSIGHTS_BI_PASSWORD` | password of the Superset user `admin` (set on every start) | `admin` (local use only) |
| `INSIGHTS_BI_PORT` | port on 127.0.0.1 | `8088` |
| `INSIGHTS_BI_VENV` | Superset's virtualenv | `.venv-bi` of the repository |
"""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from insights.process_groups import NotReady, start_group, stop_group, wait_until_ready
from insights.settings import Settings

REPO = Path(__file__).resolve().parents[3]
ADMIN_USER = "admin"
_log = logging.getLogger("insights.bi")


class BiServerError(RuntimeError):
    """Superset could not be installed, initialised or started; the message says which step and why."""


@dataclass(frozen=True)
class BiServer:
    home: Path  # $INSIGHTS_HOME/bi
    venv: Path
    port: int
    admin_password: str

    @classmethod
    def from_env(cls, settings: Settings, env: Mapping[str, str] | None = None) -> BiServer:
        env = os.environ if env is None else env
        port = env.get("INSIGHTS_BI_PORT") or "8088"
        if not port.isdigit():
            raise BiServerError(f"INSIGHTS_BI_PORT={port!r}: expected a port number")
        return cls(home=settings.home / "bi", venv=Path(env.get("INSIGHTS_BI_VENV") or REPO / ".venv-bi"),
                   port=int(port), admin_password=env.get("INSIGHTS_BI_PASSWORD") or "admin")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.home / "superset.log"

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
        return {**keep, "INSIGHTS_BI_HOME": str(self.home), "FLASK_APP": "superset",
                "SUPERSET_CONFIG_PATH": str(REPO / "bi" / "superset" / "superset_config.py"),
                "PATH": f"{self.venv / 'bin'}:{os.environ.get('PATH', '')}", "SUPERSET_LOAD_EXAMPLES": "no"}

    def _superset(self, *args: str, stdin: str | None = None) -> str:
        binary = self.venv / "bin" / "superset"
        if not binary.is_file():
            raise BiServerError(f"{binary}: Superset is not installed; run `make bi` (installs bi/requirements.lock)")
        done = subprocess.run([str(binary), *args], env=self.env(), input=stdin, capture_output=True, text=True,
                              timeout=600, check=False)
        output = done.stdout + done.stderr
        if done.returncode != 0:
            raise BiServerError(f"superset {' '.join(args[:2])} failed (exit {done.returncode}):\n{output[-3000:]}")
        return output

    def initialise(self) -> None:
        """Metadata database, roles and the admin user; the admin's password is (re)set every time."""
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "data").mkdir(exist_ok=True)
        key = self.home / "secret_key"
        if not key.is_file():
            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
        started = time.monotonic()
        self._superset("db", "upgrade")
        stamp = self.home / ".initialised"
        password = f"{self.admin_password}\n{self.admin_password}\n"  # on stdin, never on a command line
        if not stamp.is_file():
            output = self._superset("fab", "create-admin", "--username", ADMIN_USER, "--firstname", "Insights",
                                    "--lastname", "Admin", "--email", "admin@insights.local", stdin=password)
            if "already exists" not in output and "created" not in output:
                raise BiServerError(f"superset fab create-admin: unexpected answer:\n{output[-2000:]}")
            self._superset("init")
            stamp.touch()
        self._superset("fab", "reset-password", "--username", ADMIN_USER, stdin=password)
        _log.info("Superset initialised in %s (%.0f s)", self.home, time.monotonic() - started)

    def healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    @contextmanager
    def running(self, wait_seconds: float = 180.0) -> Iterator[int]:
        """Serve on 127.0.0.1:<port> until the block ends, then stop the whole process group; yields
        the group's id."""
        if self.healthy():
            raise BiServerError(f"{self.url} already answers: another server holds port {self.port}")
        self.home.mkdir(parents=True, exist_ok=True)
        # One worker with threads: two cores, and the SQLite metadata database wants few writers.
        command = [str(self.venv / "bin" / "gunicorn"), "--workers", "1", "--threads", "8", "--worker-class",
                   "gthread", "--timeout", "120", "--bind", f"127.0.0.1:{self.port}",
                   "--limit-request-line", "0", "--limit-request-field_size", "0", "superset.app:create_app()"]
        process = start_group(command, self.log_path, append=True, env=self.env())
        try:
            try:
                wait_until_ready(process, self.healthy, wait_seconds, poll_s=1.0)
            except NotReady as exc:
                raise BiServerError(f"Superset {exc}; see {self.log_path}") from exc
            _log.info("Superset serves %s (process group %d)", self.url, process.pid)
            yield process.pid
        finally:
            stop_group(process)

"""The few calls of Airflow's REST API the stack makes (api-server, simple auth manager login)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from datetime import time as day_start
from typing import Any

import requests


class AirflowApi:
    def __init__(self, base_url: str, user: str, password: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._credentials = {"username": user, "password": password}
        self._session = requests.Session()

    def healthy(self) -> bool:
        try:
            response = requests.get(f"{self.base_url}/api/v2/monitor/health", timeout=5)
        except requests.RequestException:
            return False
        return response.ok

    def wait_healthy(self, timeout: float, alive: Any = lambda: True) -> None:
        deadline = time.monotonic() + timeout
        while not self.healthy():
            if not alive():
                raise TimeoutError("the stack's supervisor exited before Airflow's API answered")
            if time.monotonic() > deadline:
                raise TimeoutError(f"Airflow's API at {self.base_url} did not answer within {timeout:.0f} s")
            time.sleep(1)

    def login(self) -> None:
        response = requests.post(f"{self.base_url}/auth/token", json=self._credentials, timeout=30)
        response.raise_for_status()
        self._session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if "Authorization" not in self._session.headers:
            self.login()
        response = self._session.request(method, f"{self.base_url}/api/v2{path}", timeout=30, **kwargs)
        if response.status_code == 401:  # token expired: log in again once
            self.login()
            response = self._session.request(method, f"{self.base_url}/api/v2{path}", timeout=30, **kwargs)
        return response

    def dag_ids(self) -> set[str]:
        response = self._call("GET", "/dags", params={"limit": 100})
        response.raise_for_status()
        return {d["dag_id"] for d in response.json()["dags"]}

    def wait_for_dags(self, dag_ids: tuple[str, ...], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not set(dag_ids) <= self.dag_ids():
            if time.monotonic() > deadline:
                raise TimeoutError(f"the dag-processor did not register {', '.join(dag_ids)} within {timeout:.0f} s")
            time.sleep(2)

    def create_backfill(self, dag_id: str, first_night: date, last_night: date) -> str:
        """Airflow's backfill of the nights first_night..last_night (logical dates, both included), one
        run at a time in order; nights that already have a run are skipped. Returns what happened."""
        body = {
            "dag_id": dag_id,
            "from_date": datetime.combine(first_night, day_start(0), tzinfo=UTC).isoformat(),
            "to_date": datetime.combine(last_night, day_start(0), tzinfo=UTC).isoformat(),
            "max_active_runs": 1,
            "reprocess_behavior": "none",
        }
        response = self._call("POST", "/backfills", json=body)
        if response.status_code == 409:  # one backfill per DAG at a time: the previous `up` made it
            return f"already running ({response.json().get('detail', '')})"
        response.raise_for_status()
        return f"backfill {response.json()['id']} created"

    def dag_runs(self, dag_id: str, limit: int = 100) -> list[dict[str, Any]]:
        response = self._call("GET", f"/dags/{dag_id}/dagRuns", params={"limit": limit, "order_by": "-logical_date"})
        response.raise_for_status()
        return response.json()["dag_runs"]

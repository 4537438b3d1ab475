"""Properties docker-compose.yml must have (no Docker engine here: they are checked on the parsed file).

Each check returns the problems it finds (empty: the property holds), so that a test can show it on
the real file and show it failing on a mutated copy.
"""

from __future__ import annotations

import re
from typing import Any

AIRFLOW_UID = "50000"
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")
_PINNED_TAG = re.compile(r"^[^:@\s]+:(v?\d+(\.\d+)+[\w.-]*)$")  # repo:1.2[.3][-variant], never latest or a bare major
_DEFAULT_UID = re.compile(r"^\$\{AIRFLOW_UID:-(\d+)\}:0$")


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    return env if isinstance(env, dict) else dict(item.split("=", 1) for item in env)


def _command(service: dict[str, Any]) -> str:
    parts = []
    for key in ("entrypoint", "command"):
        value = service.get(key)
        parts.append(" ".join(value) if isinstance(value, list) else str(value or ""))
    return " ".join(parts)


def _named_volumes(service: dict[str, Any], compose: dict[str, Any]) -> set[str]:
    names = set()
    for volume in service.get("volumes", []):
        source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
        if source in (compose.get("volumes") or {}):
            names.add(source)
    return names


def unpinned_images(compose: dict[str, Any]) -> list[str]:
    return [
        f"{name}: image {service.get('image')!r} has no pinned version tag"
        for name, service in compose["services"].items()
        if not _PINNED_TAG.match(str(service.get("image", "")))
    ]


def volume_ownership(compose: dict[str, Any]) -> list[str]:
    """Airflow services and the simulator run as uid 50000 (gid 0), and every named volume they write is
    chowned to that uid by a root one-shot they wait for."""
    services = compose["services"]
    problems = []
    chowners = {
        name: service
        for name, service in services.items()
        if str(service.get("user", "")).startswith("0")
        and f"chown -R ${{AIRFLOW_UID:-{AIRFLOW_UID}}}:0" in _command(service)
    }
    chowned = {v for service in chowners.values() for v in _named_volumes(service, compose)}
    for name in (*AIRFLOW_SERVICES, "simulator"):
        service = services[name]
        user = _DEFAULT_UID.match(str(service.get("user", "")))
        if not user or user.group(1) != AIRFLOW_UID:
            problems.append(f"{name}: does not run as ${{AIRFLOW_UID:-{AIRFLOW_UID}}}:0")
        writable = {v for v in service.get("volumes", []) if isinstance(v, str) and not v.endswith(":ro")}
        for volume in _named_volumes({"volumes": sorted(writable)}, compose):
            if volume not in chowned:
                problems.append(f"{name}: volume {volume} is not made writable for uid {AIRFLOW_UID}")
        waits_for = set(service.get("depends_on") or {})
        waits_for |= {d for dep in waits_for & set(services) for d in (services[dep].get("depends_on") or {})}
        if chowners and not waits_for & set(chowners):
            problems.append(f"{name}: does not wait for the volume ownership one-shot")
    return problems


def users_from_environment(compose: dict[str, Any]) -> list[str]:
    problems = []
    for name in AIRFLOW_SERVICES:
        env = _env(compose["services"][name])
        users = str(env.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", ""))
        if not users.startswith("${"):
            problems.append(f"{name}: simple auth manager users {users!r} are not taken from the environment")
        if not env.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", "").startswith("/opt/insights/data/"):
            problems.append(f"{name}: the passwords file is not on the shared data volume")
    return problems


def dags_unpaused(compose: dict[str, Any]) -> list[str]:
    return [
        f"{name}: DAGs are paused at creation"
        for name in AIRFLOW_SERVICES
        if str(_env(compose["services"][name]).get("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION")).lower() != "false"
    ]


def backfill_service(compose: dict[str, Any]) -> list[str]:
    """A one-shot runs Airflow's backfill (insights.stack backfill) once the API server is healthy."""
    for service in compose["services"].values():
        if "insights.stack backfill" in _command(service):
            condition = (service.get("depends_on") or {}).get("airflow-apiserver", {}).get("condition")
            if condition != "service_healthy":
                return ["the backfill service does not wait for a healthy airflow-apiserver"]
            return []
    return ["no service runs the backfill (python -m insights.stack backfill)"]


def reports_over_http(compose: dict[str, Any]) -> list[str]:
    for service in compose["services"].values():
        command = _command(service)
        if "http.server" in command and "/opt/insights/data/reports" in command and service.get("ports"):
            return []
    return ["no service serves /opt/insights/data/reports over HTTP on a published port"]


def live_simulator(compose: dict[str, Any]) -> list[str]:
    command = _command(compose["services"]["simulator"])
    return [] if "--live" in command.split() else ["the simulator does not serve the live world (--live)"]


CHECKS = (
    unpinned_images,
    volume_ownership,
    users_from_environment,
    dags_unpaused,
    backfill_service,
    reports_over_http,
    live_simulator,
)

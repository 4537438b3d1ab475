"""Wiring of the `scale` profile of docker-compose.yml and of the env files INSIGHTS_DEPLOYMENT picks
(docker/env/<deployment>.env). The cluster cannot run here, so each property is checked on the parsed
files; each check returns its problems (empty: the property holds) so a test can show it failing on a
mutated copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .compose_checks import AIRFLOW_SERVICES, _env

PROFILE = "scale"
ENV_FILE = "docker/env/${INSIGHTS_DEPLOYMENT:-single}.env"
# service -> the services it cannot work without (started and healthy, or completed for one-shots)
NEEDS = {
    "airflow-worker": {"redis", "postgres", "minio-init", "airflow-init"},
    "flower": {"redis"},
    "minio-init": {"minio"},
    "hive-metastore": {"hive-metastore-db", "minio-init"},
    "spark-worker": {"spark-master", "minio-init"},
    "spark-thrift": {"spark-master", "hive-metastore", "minio-init"},
}
CELERY_SERVICES = ("airflow-worker", "flower")
_VAR = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")
_CODE_VAR = re.compile(r"\bINSIGHTS_[A-Z0-9_]+\b")


@dataclass
class Deployment:
    compose: dict[str, Any]
    env_files: dict[str, dict[str, str]]  # deployment name -> variables
    code_names: set[str]  # INSIGHTS_* names the project's code and dbt profiles read


def read_env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line.strip() and line[0] != "#")
    return {key.strip(): value.strip() for key, value in pairs}


def load(repo: Path, compose: dict[str, Any]) -> Deployment:
    env_files = {p.stem: read_env_file(p) for p in sorted((repo / "docker" / "env").glob("*.env"))}
    code = set()
    for pattern in ("include/**/*.py", "dags/**/*.py", "dbt_project/*.yml"):
        for path in repo.glob(pattern):
            code |= set(_CODE_VAR.findall(path.read_text(errors="replace")))
    return Deployment(compose, env_files, code)


def _resolved(value: str) -> str:
    """A value with each ${VAR:-default} replaced by its default (what an unset variable gives)."""
    return _VAR.sub(lambda m: m.group(2) or "", value)


def _depends(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    deps = service.get("depends_on") or {}
    return {name: {} for name in deps} if isinstance(deps, list) else deps


def _published(service: dict[str, Any]) -> dict[int, int]:
    """host port -> container port."""
    ports = {}
    for spec in service.get("ports", []):
        host, _, container = str(spec).rpartition(":")
        ports[int(host or container)] = int(container)
    return ports


def scale_services_in_profile(d: Deployment) -> list[str]:
    """The cluster's services exist, only in the `scale` profile (the single deployment never starts them)."""
    services = d.compose["services"]
    problems = []
    for name in (*NEEDS, "redis", "minio", "hive-metastore-db", "spark-master"):
        if name not in services:
            problems.append(f"{name}: missing from the compose file")
        elif services[name].get("profiles") != [PROFILE]:
            problems.append(f"{name}: not in (only) the {PROFILE!r} profile")
    return problems


def dependencies(d: Deployment) -> list[str]:
    """Each service waits for what it needs; a service outside the profile may depend on one inside it
    only with `required: false`, else the single deployment could not start."""
    services = d.compose["services"]
    problems = []
    for name, needed in NEEDS.items():
        missing = needed - set(_depends(services.get(name, {})))
        if missing:
            problems.append(f"{name}: does not depend on {', '.join(sorted(missing))}")
    for name, service in services.items():
        if service.get("profiles"):
            continue
        for dep, spec in _depends(service).items():
            if services.get(dep, {}).get("profiles") and spec.get("required", True) is not False:
                problems.append(f"{name}: requires {dep}, which only the {PROFILE!r} profile starts")
    for name in AIRFLOW_SERVICES:
        if "redis" not in _depends(services[name]):
            problems.append(f"{name}: does not wait for the broker when there is one")
    return problems


def executor_switch(d: Deployment) -> list[str]:
    """One variable switches the executor: every Airflow service reads the deployment's env file, and no
    service overrides the executor in its own environment (which would win over the file)."""
    services = d.compose["services"]
    problems = []
    for name in (*AIRFLOW_SERVICES, *CELERY_SERVICES):
        service = services.get(name, {})
        env_file = service.get("env_file")
        files = (
            [env_file]
            if isinstance(env_file, str)
            else [f if isinstance(f, str) else f["path"] for f in env_file or []]
        )
        if ENV_FILE not in files:
            problems.append(f"{name}: does not read {ENV_FILE}")
        if "AIRFLOW__CORE__EXECUTOR" in _env(service):
            problems.append(f"{name}: sets AIRFLOW__CORE__EXECUTOR itself; INSIGHTS_DEPLOYMENT cannot switch it")
    expected = {"single": "LocalExecutor", "scale": "CeleryExecutor"}
    for deployment, executor in expected.items():
        found = d.env_files.get(deployment, {}).get("AIRFLOW__CORE__EXECUTOR")
        if found != executor:
            problems.append(f"docker/env/{deployment}.env: AIRFLOW__CORE__EXECUTOR is {found!r}, expected {executor}")
    return problems


def _points_at(d: Deployment, url: str, what: str, service: str, port: int) -> list[str]:
    parts = urlsplit(_resolved(url))
    if parts.hostname != service or parts.port != port:
        return [f"{what}={url!r} does not point at {service}:{port}"]
    if service not in d.compose["services"]:
        return [f"{what}: no service {service}"]
    return []


def scale_env_agrees_with_services(d: Deployment) -> list[str]:
    """The scale env file's URLs reach the services of the profile, on the ports they listen on, with
    the credentials those services are given."""
    env = d.env_files.get("scale", {})
    services = d.compose["services"]
    problems = []
    problems += _points_at(d, env.get("AIRFLOW__CELERY__BROKER_URL", ""), "AIRFLOW__CELERY__BROKER_URL", "redis", 6379)
    problems += _points_at(d, env.get("INSIGHTS_S3_ENDPOINT_URL", ""), "INSIGHTS_S3_ENDPOINT_URL", "minio", 9000)
    backend = env.get("AIRFLOW__CELERY__RESULT_BACKEND", "")
    if not backend.startswith("db+postgresql+psycopg2://"):
        problems.append(f"AIRFLOW__CELERY__RESULT_BACKEND={backend!r}: not the metadata DB through psycopg2")
    metadata = urlsplit(_env(services["airflow-scheduler"]).get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", ""))
    if urlsplit(backend.removeprefix("db+")).netloc != metadata.netloc:
        problems.append("AIRFLOW__CELERY__RESULT_BACKEND: not the metadata database the scheduler uses")
    bucket = urlsplit(env.get("INSIGHTS_RAW_ZONE_URL", "")).netloc
    minio_env = _env(services.get("minio", {}))
    if bucket not in str(minio_env.get("MINIO_DEFAULT_BUCKETS", "")).split(",") or bucket not in str(
        services.get("minio-init", {}).get("entrypoint", "")
    ):
        problems.append(f"INSIGHTS_RAW_ZONE_URL: bucket {bucket!r} is not created by minio / minio-init")
    if env.get("AWS_ACCESS_KEY_ID") != minio_env.get("MINIO_ROOT_USER") or _resolved(
        env.get("AWS_SECRET_ACCESS_KEY", "")
    ) != _resolved(str(minio_env.get("MINIO_ROOT_PASSWORD", ""))):
        problems.append("the scale env file's AWS credentials are not MinIO's")
    return problems


def env_names_are_read(d: Deployment) -> list[str]:
    """Every INSIGHTS_* variable the env files set is read by the project (a misspelt name is silent)."""
    return [
        f"docker/env/{deployment}.env: {name} is read by no code"
        for deployment, env in d.env_files.items()
        for name in env
        if name.startswith("INSIGHTS_") and name not in d.code_names
    ]


def ports_and_volumes(d: Deployment) -> list[str]:
    """No host port is published twice; every named volume used is declared and every declared one used;
    the Thrift server listens on the port it publishes."""
    services = d.compose["services"]
    declared = set(d.compose.get("volumes") or {})
    problems, seen, used = [], {}, set()
    for name, service in services.items():
        for host in _published(service):
            if host in seen:
                problems.append(f"{name}: host port {host} is already published by {seen[host]}")
            seen[host] = name
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            if not source.startswith((".", "/")):
                used.add(source)
                if source not in declared:
                    problems.append(f"{name}: volume {source} is not declared")
    problems += [f"volume {v} is declared but no service uses it" for v in sorted(declared - used)]
    thrift = services.get("spark-thrift", {})
    port = re.search(r"hive\.server2\.thrift\.port=(\d+)", " ".join(map(str, thrift.get("command", []))))
    if port is None or int(port.group(1)) not in _published(thrift).values():
        problems.append("spark-thrift: does not publish the port its Thrift server listens on")
    return problems


CHECKS = (
    scale_services_in_profile,
    dependencies,
    executor_switch,
    scale_env_agrees_with_services,
    env_names_are_read,
    ports_and_volumes,
)

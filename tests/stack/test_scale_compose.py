"""The `scale` profile's wiring (tests/stack/scale_checks.py), each check with a mutated copy proving it
catches its fault."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from . import scale_checks as checks

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def deployment() -> checks.Deployment:
    return checks.load(REPO, yaml.safe_load((REPO / "docker-compose.yml").read_text()))


@pytest.mark.parametrize("check", checks.CHECKS, ids=lambda c: c.__name__)
def test_the_scale_profile_has_the_property(deployment: checks.Deployment, check: Callable) -> None:
    assert check(deployment) == []


def _service(name: str, key: str, value: object) -> Callable[[checks.Deployment], None]:
    return lambda d: d.compose["services"][name].__setitem__(key, value)


def _drop_dep(name: str, dep: str) -> Callable[[checks.Deployment], None]:
    return lambda d: d.compose["services"][name]["depends_on"].pop(dep)


def _scale_env(key: str, value: str) -> Callable[[checks.Deployment], None]:
    return lambda d: d.env_files["scale"].__setitem__(key, value)


FAULTS = [
    ("redis in every deployment", checks.scale_services_in_profile, _service("redis", "profiles", [])),
    ("no thrift server", checks.scale_services_in_profile, lambda d: d.compose["services"].pop("spark-thrift")),
    ("worker without broker", checks.dependencies, _drop_dep("airflow-worker", "redis")),
    ("thrift without metastore", checks.dependencies, _drop_dep("spark-thrift", "hive-metastore")),
    (
        "single deployment requires redis",
        checks.dependencies,
        lambda d: d.compose["services"]["airflow-scheduler"]["depends_on"]["redis"].pop("required"),
    ),
    (
        "executor hard-coded",
        checks.executor_switch,
        lambda d: d.compose["services"]["airflow-worker"]["environment"].__setitem__(
            "AIRFLOW__CORE__EXECUTOR", "LocalExecutor"
        ),
    ),
    ("env file fixed", checks.executor_switch, _service("airflow-scheduler", "env_file", "docker/env/single.env")),
    ("scale runs locally", checks.executor_switch, _scale_env("AIRFLOW__CORE__EXECUTOR", "LocalExecutor")),
    (
        "broker elsewhere",
        checks.scale_env_agrees_with_services,
        _scale_env("AIRFLOW__CELERY__BROKER_URL", "redis://localhost:6379/0"),
    ),
    (
        "wrong s3 port",
        checks.scale_env_agrees_with_services,
        _scale_env("INSIGHTS_S3_ENDPOINT_URL", "http://minio:9001"),
    ),
    ("bucket never made", checks.scale_env_agrees_with_services, _scale_env("INSIGHTS_RAW_ZONE_URL", "s3://other/raw")),
    (
        "backend on sqlite",
        checks.scale_env_agrees_with_services,
        _scale_env("AIRFLOW__CELERY__RESULT_BACKEND", "db+sqlite:///x"),
    ),
    ("wrong minio secret", checks.scale_env_agrees_with_services, _scale_env("AWS_SECRET_ACCESS_KEY", "nope")),
    ("misspelt variable", checks.env_names_are_read, _scale_env("INSIGHTS_RAW_ZONE_URI", "s3://insights-raw/raw")),
    ("port twice", checks.ports_and_volumes, _service("flower", "ports", ["8080:5555"])),
    ("undeclared volume", checks.ports_and_volumes, lambda d: d.compose["volumes"].pop("minio-data")),
    ("unused volume", checks.ports_and_volumes, lambda d: d.compose["volumes"].update({"orphan": None})),
    ("thrift port not published", checks.ports_and_volumes, _service("spark-thrift", "ports", ["10001:10001"])),
]


@pytest.mark.parametrize("check, mutate", [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_each_check_catches_its_fault(deployment: checks.Deployment, check: Callable, mutate: Callable) -> None:
    broken = copy.deepcopy(deployment)
    mutate(broken)
    assert check(broken) != []

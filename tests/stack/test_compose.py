"""docker-compose.yml cannot run here (no Docker engine): its properties are checked on the parsed
file, each with a mutated copy proving the check catches the fault."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from . import compose_checks as checks

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.mark.parametrize("check", checks.CHECKS, ids=lambda c: c.__name__)
def test_the_compose_file_has_the_property(compose: dict[str, Any], check: Callable) -> None:
    assert check(compose) == []


def _set(path: tuple[str, ...], value: Any) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


def _drop(path: tuple[str, ...]) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return mutate


def _services_running(text: str) -> Callable[[dict], None]:
    def mutate(doc: dict) -> None:
        for name in [n for n, s in doc["services"].items() if text in checks._command(s)]:
            del doc["services"][name]

    return mutate


SCHEDULER_ENV = ("services", "airflow-scheduler", "environment")
FAULTS = [
    ("postgres unpinned", checks.unpinned_images, _set(("services", "postgres", "image"), "postgres")),
    ("postgres latest", checks.unpinned_images, _set(("services", "serving-db", "image"), "postgres:latest")),
    ("major only", checks.unpinned_images, _set(("services", "postgres", "image"), "postgres:15")),
    ("runs as root", checks.volume_ownership, _set(("services", "airflow-scheduler", "user"), "0:0")),
    ("no chown", checks.volume_ownership, _services_running("chown -R")),
    (
        "new volume not chowned",
        checks.volume_ownership,
        lambda d: (d["volumes"].update({"extra": None}), d["services"]["simulator"]["volumes"].append("extra:/x")),
    ),
    (
        "users hard-coded",
        checks.users_from_environment,
        _set((*SCHEDULER_ENV, "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"), "admin:admin"),
    ),
    (
        "no passwords file",
        checks.users_from_environment,
        _drop((*SCHEDULER_ENV, "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")),
    ),
    ("paused", checks.dags_unpaused, _set((*SCHEDULER_ENV, "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"), "True")),
    ("no backfill", checks.backfill_service, _services_running("insights.stack backfill")),
    (
        "backfill too early",
        checks.backfill_service,
        _set(("services", "airflow-backfill", "depends_on", "airflow-apiserver", "condition"), "service_started"),
    ),
    ("no reports server", checks.reports_over_http, _drop(("services", "reports", "ports"))),
    (
        "pinned simulator clock",
        checks.live_simulator,
        _set(("services", "simulator", "entrypoint"), ["insights", "sim", "serve", "--port", "8000"]),
    ),
]


@pytest.mark.parametrize("check, mutate", [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_each_check_catches_its_fault(compose: dict[str, Any], check: Callable, mutate: Callable) -> None:
    broken = copy.deepcopy(compose)
    mutate(broken)
    assert check(broken) != []

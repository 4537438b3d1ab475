"""Fixtures of the reliability suite: one tiny world, one clean reference run, the outcome table.

At the end of the session the outcomes are written as JSON to ``$INSIGHTS_RELIABILITY_RESULTS`` (if
set), and into the table of RELIABILITY.md when ``INSIGHTS_WRITE_RELIABILITY=1`` (what
``python -m insights_dev.reliability`` sets), so the table is always the output of a real run.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from insights.settings import REPO_ROOT
from insights_dev.reliability import landed_keys, run_extraction, write_table
from insights_dev.reliability.harness import KEYS, ExtractionRun
from insights_dev.reliability.report import save_outcomes
from insights_dev.simulator import World, WorldConfig, generate_world
from insights_dev.simulator.faults import AcceptCredentials, FaultPlan
from tests.reliability.record import OUTCOMES

WORLD = WorldConfig(users=80, days=3)
NOW = datetime(2026, 8, 6, tzinfo=UTC)  # the day after the world: all of it is history
# Distinctive credentials: the secrets test greps every output for them.
TEST_SECRETS = {
    "amplitude": {"api_key": "sk-TEST-SECRET-amp-key-4f1c", "secret_key": "sk-TEST-SECRET-amp-secret-9b2e"},
    "zendesk": {"email": "reliability@example.com", "api_token": "sk-TEST-SECRET-zd-token-77aa"},
    "typeform": {"token": "sk-TEST-SECRET-tf-token-31d0"},
}
SECRET_VALUES = [v for creds in TEST_SECRETS.values() for k, v in creds.items() if k != "email"]


@dataclass
class CleanRun:
    run: ExtractionRun
    keys: dict[str, set]  # distinct record keys landed
    lines: dict[str, Counter]  # every landed line's key (the same key may come twice from the source)

    @property
    def home(self) -> Path:
        return self.run.home


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSIGHTS_HTTP_BACKOFF_FACTOR", "0.01")
    monkeypatch.delenv("INSIGHTS_MAX_QUARANTINE_SHARE", raising=False)


@pytest.fixture(scope="session")
def world() -> World:
    return generate_world(WORLD)


@pytest.fixture(scope="session")
def clean(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CleanRun]:
    """The reference: an extraction without faults, with the test secrets, every log line kept."""
    home = tmp_path_factory.mktemp("clean")
    (home / "logs").mkdir()
    handler = logging.FileHandler(home / "logs" / "pipeline.log")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    os.environ.setdefault("INSIGHTS_HTTP_BACKOFF_FACTOR", "0.01")
    try:
        run = run_extraction(world, home, world.first_day, world.last_day, now=NOW,
                             faults=FaultPlan(AcceptCredentials(TEST_SECRETS)), credentials=TEST_SECRETS)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
        handler.close()
    assert not run.errors, run.errors
    lines = {s: landed_keys(run.settings.raw_dir, s) for s in KEYS}
    yield CleanRun(run, {s: set(c) for s, c in lines.items()}, lines)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not OUTCOMES:
        return
    results = os.environ.get("INSIGHTS_RELIABILITY_RESULTS")
    if results:
        save_outcomes(Path(results), OUTCOMES)
    if os.environ.get("INSIGHTS_WRITE_RELIABILITY") == "1":
        write_table(REPO_ROOT / "RELIABILITY.md", OUTCOMES)

"""Helpers of the extraction tests: tiny hand-built worlds, a running simulator, settings for it.

The expected results in these tests are computed from the world's records with the vendors'
rules (upload-hour windows, generated_timestamp intervals, since/until), independently of the
extraction code under test.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from insights.settings import Settings, SourceEndpoint
from insights.sources import source_names, source_spec
from insights_dev.simulator import Faults, Limits, SimRequest, SimResponse, SimulatorServer, World
from insights_dev.simulator.protocol import json_response

FIRST_DAY = date(2026, 8, 3)
LAST_DAY = date(2026, 8, 5)
NOW = datetime(2026, 8, 6, 0, 0, tzinfo=UTC)  # the day after the world: everything is history
FAST = Limits(zendesk_requests_per_minute=100_000, typeform_requests_per_second=100_000)


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def amp_ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_events(count: int, seed: int = 1, first: date = FIRST_DAY, days: int = 3) -> list[dict]:
    """Amplitude export records with upload times spread over ``days`` days (some uploaded late)."""
    rng = random.Random(seed)
    events = []
    span = days * 86400
    for i in range(count):
        uploaded = day_start(first) + timedelta(seconds=rng.randrange(span), microseconds=rng.randrange(10**6))
        happened = uploaded - timedelta(seconds=rng.choice([1, 5, 60, 3600, 90000]))
        events.append(
            {
                "event_type": rng.choice(["project_created", "task_completed", "page_viewed"]),
                "user_id": f"user-{rng.randrange(20)}" if rng.random() < 0.7 else None,
                "device_id": f"device-{rng.randrange(30)}",
                "event_time": amp_ts(happened),
                "client_event_time": amp_ts(happened),
                "server_upload_time": amp_ts(uploaded),
                "server_received_time": amp_ts(uploaded),
                "$insert_id": f"ins-{i}" if i % 10 else None,
                "uuid": f"00000000-0000-4000-8000-{i:012d}",
                "amplitude_id": 1000 + i,
                "app": 187520,
                "session_id": int(happened.timestamp() * 1000),
                "platform": "Web",
                "country": "Fran\u00e7e" if i % 7 == 0 else "US",  # non-ASCII must survive byte-exact
                "event_properties": {"n": i},
                "user_properties": {},
            }
        )
    return events


def make_ticket_versions(tickets: int, seed: int = 2, first: date = FIRST_DAY, days: int = 3) -> list[dict]:
    """Each ticket is created, then updated a few times; every version is a full ticket object."""
    rng = random.Random(seed)
    versions = []
    span = days * 86400
    for ticket_id in range(1, tickets + 1):
        created = day_start(first) + timedelta(seconds=rng.randrange(span - 7200))
        moments = sorted({created + timedelta(seconds=rng.randrange(1, 40000)) for _ in range(rng.randrange(1, 4))})
        for n, updated in enumerate([created, *moments]):
            status = ["new", "open", "pending", "solved"][min(n, 3)]
            versions.append(
                {
                    "id": ticket_id,
                    "type": "question",
                    "subject": f"Ticket {ticket_id}",
                    "description": "Export to CSV fails",
                    "priority": "normal",
                    "status": status,
                    "requester_id": 500 + ticket_id,
                    "assignee_id": None,
                    "organization_id": None,
                    "group_id": None,
                    "tags": ["export"],
                    "via": {"channel": "web"},
                    "custom_fields": [],
                    "satisfaction_rating": None,
                    "created_at": iso(created),
                    "updated_at": iso(updated),
                    "metric_set": {"solved_at": iso(updated) if status == "solved" else None, "replies": n},
                }
            )
    return versions


def make_forms(form_ids: list[str]) -> dict[str, dict]:
    return {
        form_id: {
            "id": form_id,
            "title": f"Survey {form_id}",
            "fields": [{"id": f"{form_id}-nps", "type": "nps", "ref": "nps"}],
        }
        for form_id in form_ids
    }


def make_responses(form_id: str, count: int, seed: int = 3, first: date = FIRST_DAY, days: int = 3) -> list[dict]:
    rng = random.Random(f"{seed}-{form_id}")
    items = []
    for i in range(count):
        submitted = day_start(first) + timedelta(seconds=rng.randrange(days * 86400))
        token = f"{form_id}-resp-{i:05d}"
        items.append(
            {
                "response_id": token,
                "token": token,
                "response_type": "completed",
                "landed_at": iso(submitted - timedelta(minutes=2)),
                "submitted_at": iso(submitted),
                "metadata": {"platform": "other"},
                "hidden": {"name": f"user-{i % 9}"},
                "calculated": {"score": 0},
                "answers": [
                    {"field": {"id": f"{form_id}-nps", "type": "nps", "ref": "nps"}, "type": "number", "number": i % 11}
                ],
            }
        )
    return items


def make_world(
    events: list[dict] | None = None,
    tickets: list[dict] | None = None,
    forms: dict[str, dict] | None = None,
    responses: dict[str, list[dict]] | None = None,
) -> World:
    return World(
        first_day=FIRST_DAY,
        last_day=LAST_DAY,
        events=events if events is not None else [],
        ticket_versions=tickets if tickets is not None else [],
        forms=forms if forms is not None else {},
        responses=responses if responses is not None else {},
    )


@contextmanager
def running(
    world: World, now: datetime = NOW, limits: Limits = FAST, faults: Faults | None = None
) -> Iterator[SimulatorServer]:
    with SimulatorServer(world, now=now, limits=limits, faults=faults) as sim:
        yield sim


def settings_for(home: Path, sim: SimulatorServer | None = None, **overrides: SourceEndpoint) -> Settings:
    """Settings whose three sources point at ``sim`` (or at nothing), data under ``home``."""
    endpoints = {}
    for source in source_names():
        if sim is not None:
            endpoints[source] = SourceEndpoint(source, sim.base_url(source), sim.credentials(source))
        else:
            endpoints[source] = SourceEndpoint(source, None, {})
    endpoints.update(overrides)
    return Settings(
        home=home,
        warehouse=home / "warehouse.duckdb",
        config_dir=home / "config",
        replay_dir=None,
        endpoints=endpoints,
    )


def sim_env(home: Path, sim: SimulatorServer, source: str) -> dict[str, str]:
    """Environment for a subprocess extraction against ``sim`` (what docs/contracts.md names)."""
    spec = source_spec(source)
    env = {"INSIGHTS_HOME": str(home), spec.url_env: sim.base_url(source)}
    env.update({spec.credential_env[k]: v for k, v in sim.credentials(source).items()})
    return env


def read_lines(path: Path) -> list[bytes]:
    with gzip.open(path, "rb") as handle:
        return [line.rstrip(b"\n") for line in handle]


def landed_records(root: Path) -> Counter[bytes]:
    """Multiset of every landed line under ``root`` (data files only)."""
    counter: Counter[bytes] = Counter()
    for path in sorted(root.rglob("*.jsonl.gz")):
        counter.update(read_lines(path))
    return counter


def landed_json(root: Path) -> list[dict]:
    return [json.loads(line) for line, n in landed_records(root).items() for _ in range(n)]


def file_digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.jsonl.gz"))
    }


class EditFirstResponsesPage(Faults):
    """Edits the items of the first Typeform responses page (no `before` cursor) of form `form`, or of
    every form when it is None, as `edit` says: a source serving a few bad records."""

    form: str | None = None

    def edit(self, items: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def after(self, source: str, request: SimRequest, response: SimResponse) -> SimResponse:
        if source != "typeform" or not request.path.endswith("/responses") or request.param("before"):
            return response
        if self.form is not None and request.path != f"/forms/{self.form}/responses":
            return response
        body = json.loads(response.body)
        if body["items"]:
            self.edit(body["items"])
        return json_response(response.status, body)


class SlowFaults(Faults):
    """Every request takes ``delay`` seconds: paces a run so a test can kill it mid-way."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    def before(self, source: str, request: SimRequest) -> SimResponse | None:
        time.sleep(self.delay)
        return None

"""Helpers for the simulator's contract tests: tiny hand-built worlds and authenticated sessions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import requests

from insights_dev.simulator import Limits, SimulatorServer, World

# High limits keep the contract tests fast; the rate-limit tests set low ones explicitly.
FAST_LIMITS = Limits(zendesk_requests_per_minute=10_000, typeform_requests_per_second=10_000)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def amp_ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_event(uuid: str, event_time: datetime, uploaded: datetime, **extra: object) -> dict:
    record = {
        "$insert_id": f"ins-{uuid}",
        "app": 4242,
        "device_id": f"dev-{uuid}",
        "event_type": "task_created",
        "event_time": amp_ts(event_time),
        "server_upload_time": amp_ts(uploaded),
        "user_id": None,
        "uuid": uuid,
        "event_properties": {},
        "user_properties": {},
    }
    record.update(extra)
    return record


def make_world(events=(), tickets=(), forms=None, responses=None) -> World:
    return World(
        first_day=date(2026, 8, 3),
        last_day=date(2026, 8, 9),
        events=list(events),
        ticket_versions=list(tickets),
        forms=dict(forms or {}),
        responses=dict(responses or {}),
    )


def session_for(server: SimulatorServer, source: str) -> requests.Session:
    creds = server.credentials(source)
    session = requests.Session()
    if source == "amplitude":
        session.auth = (creds["api_key"], creds["secret_key"])
    elif source == "zendesk":
        session.auth = (f"{creds['email']}/token", creds["api_token"])
    else:
        session.headers["Authorization"] = f"Bearer {creds['token']}"
    return session

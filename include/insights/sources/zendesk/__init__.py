"""Zendesk: support tickets from the incremental tickets export (client.py)."""

from datetime import timedelta
from pathlib import Path

from insights.extraction.source_spec import SourceSpec, StreamSpec

SPEC = SourceSpec(
    name="zendesk",
    package_dir=Path(__file__).resolve().parent,
    credential_env={"email": "INSIGHTS_ZENDESK_EMAIL", "api_token": "INSIGHTS_ZENDESK_API_TOKEN"},
    retry_statuses=frozenset({429, 500, 502, 503, 504}),
    read_timeout=30.0,
    availability_delay=timedelta(minutes=1),
    streams=(StreamSpec("tickets", "zendesk_tickets", "tickets"),),
)

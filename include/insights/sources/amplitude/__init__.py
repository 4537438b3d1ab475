"""Amplitude: product events from the Export API (client.py; bulk.py reads its ZIP archives)."""

from datetime import timedelta
from pathlib import Path

from insights.extraction.source_spec import SourceSpec, StreamSpec

SPEC = SourceSpec(
    name="amplitude",
    package_dir=Path(__file__).resolve().parent,
    credential_env={"api_key": "INSIGHTS_AMPLITUDE_API_KEY", "secret_key": "INSIGHTS_AMPLITUDE_SECRET_KEY"},
    # 400 (export too large) and 504 (timeout on a large range) are not retried: the client splits the
    # window instead, so those two must reach it untouched.
    retry_statuses=frozenset({429, 500, 502, 503}),
    read_timeout=90.0,  # an export builds its archive before the first byte (tens of seconds)
    availability_delay=timedelta(hours=2),  # by upload hour end
    streams=(StreamSpec("events", "amplitude_events", "events", ("hour",)),),
)

"""Typeform: survey forms and their responses (client.py)."""

from datetime import timedelta
from pathlib import Path

from insights.extraction.source_spec import SourceSpec, StreamSpec

SPEC = SourceSpec(
    name="typeform",
    package_dir=Path(__file__).resolve().parent,
    credential_env={"token": "INSIGHTS_TYPEFORM_TOKEN"},
    retry_statuses=frozenset({429, 500, 502, 503, 504}),
    read_timeout=30.0,
    availability_delay=timedelta(minutes=30),
    streams=(
        StreamSpec("forms", "typeform_forms", "forms", ("form_id",)),
        StreamSpec("responses", "typeform_responses", "responses", ("form_id",)),
    ),
)

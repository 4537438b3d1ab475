"""One HTTP client per SaaS API (Amplitude, Zendesk, Typeform); no Airflow imports here.

Each client module declares its source's availability delay (``AVAILABILITY_DELAY``): how long after
a record's vendor timestamp the vendor serves it. The extraction, the DAGs' waits and the bundled
simulator's clock all read it from there.
"""

from __future__ import annotations

import importlib
from datetime import timedelta

SOURCE_MODULES = ("amplitude", "zendesk", "typeform")


def availability_delay(source: str) -> timedelta:
    """The delay declared next to the source's client (amplitude: by upload hour end)."""
    if source not in SOURCE_MODULES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCE_MODULES)}")
    delay = importlib.import_module(f"insights.sources.{source}").AVAILABILITY_DELAY
    assert isinstance(delay, timedelta)
    return delay

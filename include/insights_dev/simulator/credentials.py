"""The simulated APIs' credentials: ``insights_dev.simulator.<source>.CREDENTIALS``, keyed as the source's
spec keys its credential variables (``SourceSpec.credential_env``)."""

from __future__ import annotations

import importlib


def simulated_credentials(source: str) -> dict[str, str]:
    credentials = importlib.import_module(f"insights_dev.simulator.{source}").CREDENTIALS
    return dict(credentials)

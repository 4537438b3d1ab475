"""The simulated APIs, one module per source (``insights_dev.simulator.<source>``): its ``serve(world,
limits)`` handler and its ``CREDENTIALS``, keyed as the source's spec keys its credential variables
(``SourceSpec.credential_env``)."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType


def simulated_api(source: str) -> ModuleType | None:
    """The source's simulator module, or None when the source has no simulated API."""
    name = f"insights_dev.simulator.{source}"
    return importlib.import_module(name) if importlib.util.find_spec(name) is not None else None


def simulated_credentials(source: str) -> dict[str, str]:
    module = simulated_api(source)
    if module is None:
        raise ValueError(f"{source}: no simulated API (insights_dev.simulator.{source})")
    return dict(module.CREDENTIALS)

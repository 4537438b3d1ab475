"""The simulated APIs, one module per source (``insights_dev.simulator.<source>``): its ``serve(world,
limits)`` handler and its ``CREDENTIALS``, keyed as the source's spec keys its credential variables
(``SourceSpec.credential_env``)."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from insights.sources import registered_sources


def simulated_api(source: str) -> ModuleType | None:
    """The source's simulator module, or None when the source has no simulated API."""
    name = f"insights_dev.simulator.{source}"
    return importlib.import_module(name) if importlib.util.find_spec(name) is not None else None


def simulated_credentials(source: str) -> dict[str, str]:
    module = simulated_api(source)
    if module is None:
        raise ValueError(f"{source}: no simulated API (insights_dev.simulator.{source})")
    return dict(module.CREDENTIALS)


def simulated_env(base_url: str) -> dict[str, str]:
    """The environment pointing every registered source with a simulated API at a simulator serving at
    ``base_url``: its URL variable and its credential variables (what the extraction reads)."""
    env: dict[str, str] = {}
    for spec in registered_sources():
        if simulated_api(spec.name) is None:
            continue
        env[spec.url_env] = f"{base_url}/{spec.name}"
        env.update({spec.credential_env[key]: value for key, value in simulated_credentials(spec.name).items()})
    return env

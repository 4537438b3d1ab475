"""The source registry: one package per SaaS API, each a folder holding all of its parts.

``insights/sources/<name>/``: ``__init__.py`` (its ``SPEC``), ``client.py`` (``extract(ctx)``),
``staging/`` (its dbt sources YAML, staging models and their tests) and ``expectations/`` (its raw GX
suites). Registering a source is its line in ``SOURCE_PACKAGES``; the settings, credentials, retries,
DAGs, tags, raw tables, stream schemas and simulator routes all derive from the specs
(docs/extending.md, "Adding a source"). No Airflow imports here: the DAGs read it at parse time.
"""

from __future__ import annotations

import importlib
from datetime import timedelta
from functools import cache

from insights.extraction.source_spec import SourceSpec, StreamSpec

SOURCE_PACKAGES = ("amplitude", "zendesk", "typeform")


@cache
def registered_sources() -> tuple[SourceSpec, ...]:
    """Every registered source's spec, in registration order."""
    specs = []
    for name in SOURCE_PACKAGES:
        spec = importlib.import_module(f"{__name__}.{name}").SPEC
        if not isinstance(spec, SourceSpec) or spec.name != name:
            raise TypeError(f"insights.sources.{name}.SPEC must be a SourceSpec named {name!r}")
        specs.append(spec)
    return tuple(specs)


def source_names() -> tuple[str, ...]:
    return tuple(spec.name for spec in registered_sources())


def source_spec(name: str) -> SourceSpec:
    for spec in registered_sources():
        if spec.name == name:
            return spec
    raise ValueError(f"unknown source {name!r}; expected one of {', '.join(source_names())}")


def all_streams() -> tuple[tuple[SourceSpec, StreamSpec], ...]:
    """Every (source, stream) pair, in raw-zone order."""
    return tuple((spec, stream) for spec in registered_sources() for stream in spec.streams)


def availability_delay(source: str) -> timedelta:
    """The delay declared in the source's spec (amplitude: by upload hour end)."""
    return source_spec(source).availability_delay

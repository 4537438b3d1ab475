"""What a registered source must bring, checked: a source registered without its parts fails here
(tests/unit/test_source_registry.py) instead of at its first night."""

from __future__ import annotations

import importlib
import re

import yaml

from insights.extraction.source_spec import SourceSpec


def missing_parts(spec: SourceSpec) -> list[str]:
    """Each part the source lacks, said plainly; empty when it is complete."""
    missing: list[str] = []
    try:
        client = importlib.import_module(spec.client_module)
    except ModuleNotFoundError:
        missing.append(f"{spec.name}: no client module {spec.client_module}")
    else:
        if not callable(getattr(client, "extract", None)):
            missing.append(f"{spec.name}: {spec.client_module} has no extract(ctx)")
    if not spec.credential_env:
        missing.append(f"{spec.name}: no credential variables (SourceSpec.credential_env)")
    prefix = f"INSIGHTS_{spec.name.upper()}_"
    missing += [f"{spec.name}: credential variable {var} does not start with {prefix}"
                for var in spec.credential_env.values() if not var.startswith(prefix)]
    if not spec.retry_statuses:
        missing.append(f"{spec.name}: no retry statuses")
    if not spec.streams:
        missing.append(f"{spec.name}: no streams")
    missing += _staging_parts(spec)
    missing += _raw_suite_parts(spec)
    return missing


def _raw_suite_parts(spec: SourceSpec) -> list[str]:
    module = f"insights.sources.{spec.name}.raw_suites"
    try:
        datasets = importlib.import_module(module).DATASETS
    except (ModuleNotFoundError, AttributeError):
        return [f"{spec.name}: no raw suites module {module} with DATASETS"]
    declared = {dataset.name for dataset in datasets}
    return [f"{spec.name}: no raw suite {name} in {module}.DATASETS" for name in spec.raw_suite_names
            if name not in declared]


def _staging_parts(spec: SourceSpec) -> list[str]:
    if not spec.sources_yml.is_file():
        return [f"{spec.name}: no dbt sources YAML {spec.sources_yml.name} in {spec.staging_dir}"]
    doc = yaml.safe_load(spec.sources_yml.read_text(encoding="utf-8")) or {}
    declared = {table["name"]: table.get("identifier", table["name"])
                for source in doc.get("sources", []) for table in source.get("tables", [])}
    missing = [f"{spec.name}: stream {stream.stream} has no table {stream.dbt_table!r} on raw.{stream.raw_table} "
               f"in {spec.sources_yml.name}"
               for stream in spec.streams if declared.get(stream.dbt_table) != stream.raw_table]
    models = [p for p in spec.staging_dir.glob("*.sql") if re.fullmatch(rf"stg_{spec.name}__\w+\.sql", p.name)]
    if not models:
        missing.append(f"{spec.name}: no staging model stg_{spec.name}__<entity>.sql in {spec.staging_dir}")
    return missing

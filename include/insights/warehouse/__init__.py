"""The warehouse: load the raw zone into the target's `raw` schema, then build it with dbt.

Public API:
    build(settings, *, start=None, end=None, full_refresh=False, target="duckdb", select=None, log=None)
    run_dbt(args, settings, target="duckdb", vars=None, log=None, check=True)
    load_raw(settings, target="duckdb", log=None)
    run_metricflow(args, settings, target="duckdb")
    schema_name(name, target), connect(settings, target), warehouse_lock(settings)
"""

from insights.warehouse.dbt import (
    BuildResult,
    DbtError,
    DbtNodeResult,
    DbtRunResult,
    build,
    dbt_paths,
    dbt_vars,
    run_dbt,
    run_metricflow,
)
from insights.warehouse.load import LoadResult, StreamLoad, load_raw
from insights.warehouse.lock import WarehouseBusyError, warehouse_lock
from insights.warehouse.manifests import ManifestError
from insights.warehouse.raw_tables import STREAMS, RawPathError
from insights.warehouse.raw_writers import RawLoadError
from insights.warehouse.targets import TARGETS, connect, schema_name
from insights.warehouse.watermarks import WatermarkError, read_watermarks

__all__ = [
    "STREAMS",
    "TARGETS",
    "BuildResult",
    "DbtError",
    "DbtNodeResult",
    "DbtRunResult",
    "LoadResult",
    "ManifestError",
    "RawLoadError",
    "RawPathError",
    "StreamLoad",
    "WarehouseBusyError",
    "WatermarkError",
    "build",
    "connect",
    "dbt_paths",
    "dbt_vars",
    "load_raw",
    "read_watermarks",
    "run_dbt",
    "run_metricflow",
    "schema_name",
    "warehouse_lock",
]

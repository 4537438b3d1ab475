"""One stage of the nightly run, in its own process so its wall time and peak RSS are its own.

    python -m insights_dev.bench.stage STAGE NIGHT RESULT_JSON

Settings come from the environment (the benchmark points INSIGHTS_HOME and the source URLs at
its own home and simulator). Each stage calls exactly what the DAG task calls
(insights.pipeline / insights.extraction.extract); `floor` runs the hand-written DuckDB query instead.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from insights.settings import SOURCES, Settings, load_settings

log = logging.getLogger("insights_dev.bench.stage")


def _extract(settings: Settings, night: date) -> dict[str, Any]:
    from insights.extraction.extract import extract_interval

    start = datetime(night.year, night.month, night.day, tzinfo=UTC)
    with ThreadPoolExecutor(len(SOURCES)) as pool:  # the three extraction DAGs run side by side
        futures = {s: pool.submit(extract_interval, s, start, start + timedelta(days=1), settings, log)
                   for s in SOURCES}
        results = {s: f.result() for s, f in futures.items()}
    return {s: {"landed": r.records_landed, "quarantined": r.records_quarantined, "seconds": r.seconds,
                "requests": r.requests} for s, r in results.items()}


def _load(settings: Settings, night: date) -> dict[str, Any]:
    from insights.pipeline import load_raw_zone

    return load_raw_zone(settings)


def _dbt(settings: Settings, night: date) -> dict[str, Any]:
    """The warehouse DAG's dbt task: the four layers' `dbt build`s in one process on one parse."""
    from insights.pipeline import dbt_build_night

    results = dbt_build_night(settings)
    nodes = [node for result in results.values() for node in result.nodes]
    return {"layer_seconds": {layer: round(r.seconds, 2) for layer, r in results.items()},
            "slowest_nodes": _slowest(nodes)}


def _dbt_per_layer(settings: Settings, night: date) -> dict[str, Any]:
    """The dbt tasks before dbt_build_night: one `dbt` process per layer, whole-table data tests
    (measured beside `dbt`, on a copy of the same warehouse)."""
    from insights.pipeline import DBT_LAYER_SELECTORS, PRODUCTION_EXCLUDE
    from insights.warehouse import dbt_vars, run_dbt, warehouse_lock

    layers, nodes = {}, []
    for layer, selector in DBT_LAYER_SELECTORS.items():
        started = time.monotonic()
        with warehouse_lock(settings):
            nodes += run_dbt(["build", "--select", selector, "--indirect-selection", "buildable",
                              "--exclude", PRODUCTION_EXCLUDE], settings, vars=dbt_vars(settings), log=log).nodes
        layers[layer] = round(time.monotonic() - started, 2)
    return {"layer_seconds": layers, "slowest_nodes": _slowest(nodes)}


def _full_refresh(settings: Settings, night: date) -> dict[str, Any]:
    from insights.pipeline import build_warehouse

    return {"slowest_nodes": _slowest(build_warehouse(settings, full_refresh=True).dbt.nodes)}


def _slowest(nodes: Any) -> list[list[Any]]:
    return [[n.unique_id, round(n.seconds, 2)] for n in sorted(nodes, key=lambda n: -n.seconds)[:8]]


def _gate(settings: Settings, night: date) -> dict[str, Any]:
    from insights.pipeline import quality_gate

    quality_gate(settings)
    return {}


def _publish(settings: Settings, night: date) -> dict[str, Any]:
    from insights.pipeline import publish_marts

    result = publish_marts(settings)
    return {"tables": len(result.tables)}


def _floor(settings: Settings, night: date) -> dict[str, Any]:
    from insights.workspace import load_workspace
    from insights_dev.bench.floor import floor_metrics

    rows = floor_metrics(settings.raw_dir, load_workspace(settings.config_dir))
    return {"rows": [[d.isoformat(), dau, wau, mau] for d, dau, wau, mau in rows]}


def own_peak_rss_mb() -> float:
    """VmHWM of this process (its own address space only, unlike ru_maxrss after a fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


STAGES: dict[str, Callable[[Settings, date], dict[str, Any]]] = {
    "extract": _extract,
    "load": _load,
    "dbt": _dbt,
    "dbt_per_layer": _dbt_per_layer,
    "gate": _gate,
    "publish": _publish,
    "full_refresh": _full_refresh,
    "floor": _floor,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m insights_dev.bench.stage")
    parser.add_argument("stage", choices=sorted(STAGES))
    parser.add_argument("night", type=date.fromisoformat)
    parser.add_argument("result", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("urllib3", "great_expectations", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    started = time.monotonic()
    details = STAGES[args.stage](load_settings(), args.night)
    details["inner_seconds"] = round(time.monotonic() - started, 3)
    details["own_peak_rss_mb"] = own_peak_rss_mb()
    # dbt runs as a child; its ru_maxrss may include this process's RSS at spawn time (Linux keeps
    # the parent's high-water mark across exec), so own + children is an upper bound, never less.
    details["children_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    args.result.write_text(json.dumps(details, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

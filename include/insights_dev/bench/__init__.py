"""`insights bench`: the nightly pipeline at production scale against a hand-written DuckDB floor.

    run_bench(bench_dir, cases=[(1_000_000, 30), (5_000_000, 10)], cache_dir=None) -> results dict
    render(results) -> markdown tables (BENCHMARKS.md)
    floor_metrics(raw_dir, workspace) -> [(date_day, dau, wau, mau)]

See BENCHMARKS.md for the method, the numbers and the command to reproduce them.
"""

from insights_dev.bench.floor import floor_metrics, floor_sql
from insights_dev.bench.report import render
from insights_dev.bench.runner import run_bench, run_case

__all__ = ["floor_metrics", "floor_sql", "render", "run_bench", "run_case"]

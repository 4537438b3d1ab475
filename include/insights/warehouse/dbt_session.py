"""dbt in this process: parse the project once, then run several commands on that manifest.

A nightly build is four `dbt build`s (one per layer, so operators see each layer's progress and
failures); as four `dbt` processes each paid Python start-up, adapter imports and a partial parse
(~8-10 s) before any data work. A session pays that once: `dbtRunner` (dbt.cli.main) invoked with
the manifest of one `dbt parse`. dbt's own stdout logging is off (`--log-level none`); its events
come back through a callback and go to the caller's logger at the levels `run_dbt` uses, so the
task log reads the same as with a subprocess. dbt.log and run_results.json land where `run_dbt`
puts them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from insights import progress
from insights.env_vars import environment
from insights.settings import Settings
from insights.warehouse.build_id import dbt_command_writes, record_new_build
from insights.warehouse.dbt import (
    _CLOCK,
    _NODE,
    DbtError,
    DbtNodeResult,
    DbtRunResult,
    dbt_common_args,
    dbt_env,
    dbt_failure_message,
    dbt_line_level,
    dbt_summary,
    dbt_vars,
)
from insights.warehouse.targets import check_target

__all__ = ["DbtSession"]

_log = logging.getLogger("insights.warehouse.dbt")
# dbt event levels forwarded; its debug events (SQL, timings) stay in dbt.log.
_FORWARDED_LEVELS = ("info", "warn", "error")


class DbtSession:
    """Several dbt commands on one parse, in this process. Not thread-safe (dbt's flags are global)."""

    def __init__(self, settings: Settings, target: str = "duckdb", vars: Mapping[str, Any] | None = None,
                 log: logging.Logger | None = None) -> None:
        check_target(target)
        self.settings = settings
        self.target = target
        self.log = log or _log
        self.vars = dict(vars) if vars is not None else dbt_vars(settings)
        self._manifest: Any = None
        self._tail: list[str] = []
        self._bar: progress.Bar | None = None

    def _forward(self, event: Any) -> None:
        info = event.info
        if info.level not in _FORWARDED_LEVELS or not info.msg:
            return
        for line in str(info.msg).splitlines():
            text = _CLOCK.sub("", line.rstrip())
            if not text:
                continue
            level = max(dbt_line_level(text), logging.WARNING if info.level == "error" else logging.DEBUG)
            self.log.log(level, "dbt: %s" if level > logging.DEBUG else "%s", text)
            self._tail = [*self._tail[-39:], text]
            node = _NODE.match(text)
            if self._bar is not None and node:
                self._bar.update(total=int(node.group(2)))
                if node.group(3) != "START":
                    words = text[node.end():].split(" .")[0].split()
                    self._bar.advance(detail=words[-1] if words else "")

    def _invoke(self, args: Sequence[str]) -> tuple[Any, float]:
        from dbt.cli.main import dbtRunner

        runner = dbtRunner(manifest=self._manifest, callbacks=[self._forward])
        cli_args = [*args, *dbt_common_args(self.settings, self.target, self.vars), "--log-level", "none"]
        self._tail = []
        started = time.monotonic()
        with environment(_dbt_only_env(self.settings, self.target)), progress.task(f"dbt {args[0]}") as bar:
            self._bar = bar
            try:
                outcome = runner.invoke(cli_args)
            finally:
                self._bar = None
                _release_duckdb()
        return outcome, time.monotonic() - started

    def parse(self) -> None:
        """Parse the project (partial parsing applies); later commands reuse this manifest."""
        outcome, seconds = self._invoke(["parse"])
        if not outcome.success or outcome.result is None:
            result = DbtRunResult(("parse",), 1, seconds, tail=(*self._tail, str(outcome.exception or "")))
            raise DbtError(dbt_failure_message(result, self.target), result)
        self._manifest = outcome.result
        self.log.info("dbt parse (%s): %d node(s) in %.1f s", self.target, len(self._manifest.nodes), seconds)

    def run(self, args: Sequence[str], check: bool = True) -> DbtRunResult:
        """`dbt <args>` on the session's manifest (parsed first if needed); same result as run_dbt."""
        if self._manifest is None:
            self.parse()
        if self.target == "duckdb" and dbt_command_writes(list(args)):
            record_new_build(self.settings, f"dbt {' '.join(args)}"[:500], self.log)
        outcome, seconds = self._invoke(args)
        nodes = tuple(_node_result(r) for r in getattr(outcome.result, "results", None) or ())
        tail = tuple(self._tail) + ((str(outcome.exception),) if outcome.exception else ())
        result = DbtRunResult(tuple(args), 0 if outcome.success else 1, seconds, nodes, tail)
        self.log.info("%s", dbt_summary(result, self.target))
        if check and not result.ok:
            raise DbtError(dbt_failure_message(result, self.target), result)
        return result


def _release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a command: the next
    task in the same process (the gate, under a local Airflow run) must be able to open the file."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # dbt-duckdb not installed: a Postgres-only run
        return
    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
    if environment is not None:
        environment.close()


def _dbt_only_env(settings: Settings, target: str) -> dict[str, str]:
    """dbt_env's own keys (not the whole environment, which this process already has)."""
    full = dbt_env(settings, target)
    return {key: full[key] for key in ("INSIGHTS_HOME", "INSIGHTS_WAREHOUSE", "INSIGHTS_DBT_TARGET",
                                       "DBT_SEND_ANONYMOUS_USAGE_STATS", "DO_NOT_TRACK")}


def _node_result(result: Any) -> DbtNodeResult:
    status = getattr(result.status, "value", result.status)
    return DbtNodeResult(
        unique_id=result.node.unique_id,
        status=str(status),
        message=(result.message or "").strip(),
        seconds=float(result.execution_time or 0.0),
        failures=result.failures,
    )

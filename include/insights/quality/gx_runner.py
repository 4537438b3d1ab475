"""Great Expectations plumbing: a file-based context under $INSIGHTS_HOME/gx, one Checkpoint per dataset.

Imported only when a gate runs: `import great_expectations` takes ~10 s and must never happen at
DAG-parse time. GX's logger is quietened before the import (STACK.md gotcha 9: hundreds of
"Skipping registering function" lines otherwise).

The file context keeps every validation result (the history Data Docs shows); the suites in the
context are refreshed from the reviewed files in expectations/ whenever a file changed (a
fingerprint of what each was registered from is stored in its meta), so those files stay the
single source.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from insights.quality.suites import ExpectationSpec, SuiteSpec

if TYPE_CHECKING:
    import pandas as pd

DATASOURCE = "candidate_build"
BATCH_DEFINITION = "whole_dataframe"
DOCS_SITE = "insights_quality_gate"
_MAX_EXAMPLES = 5
# Stored in each suite's meta: what it was registered from. Bump the version when _register changes.
_FINGERPRINT = "insights_fingerprint"
_REGISTRATION_VERSION = 2


def silence_gx_logging() -> None:
    """GX logs hundreds of INFO lines on import when Airflow configured logging first."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Outcome:
    expectation: str
    success: bool
    detail: str


def _short(value: Any) -> str:
    if isinstance(value, float) and not math.isnan(value):
        return f"{value:.6g}"
    if isinstance(value, datetime | date):
        return value.isoformat()[:19].removesuffix("T00:00:00")
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return str(value)[:19].removesuffix(" 00:00:00")
    if isinstance(value, tuple | list):
        return "(" + ", ".join(_short(v) for v in value) + ")"
    return repr(value) if isinstance(value, str) else str(value)


def _call(spec: ExpectationSpec) -> str:
    kwargs = ", ".join(f"{k}={_short(v)}" for k, v in spec.kwargs.items())
    return f"{spec.type}({kwargs})"


def _exception_message(exception_info: Any) -> str | None:
    """GX reports errors either flat or keyed by metric; return the first message."""
    if not isinstance(exception_info, dict):
        return None
    if exception_info.get("raised_exception"):
        return str(exception_info.get("exception_message") or "error")
    for value in exception_info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message") or "error")
    return None


def _row_names(frame: pd.DataFrame, key: tuple[str, ...], indexes: list[Any]) -> list[str]:
    columns = [c for c in key if c in frame.columns]
    if not columns:
        return []
    names = []
    for index in indexes[:_MAX_EXAMPLES]:
        if index in frame.index:
            row = frame.loc[index]
            names.append(", ".join(f"{c}={_short(row[c])}" for c in columns))
    return names


def _listed_examples(frame: pd.DataFrame, column: str | None, indexes: list[Any]) -> list[str]:
    """The example records an aggregated dataset lists for its unexpected rows (meta.examples column)."""
    if not column or column not in frame.columns:
        return []
    found: list[str] = []
    for index in indexes:
        if index in frame.index:
            value = frame.loc[index, column]
            if isinstance(value, str):
                found.append(value)
            elif value is not None and hasattr(value, "__iter__"):
                found += [str(v) for v in value]
        if len(found) >= _MAX_EXAMPLES:
            break
    return found[:_MAX_EXAMPLES]


def describe(
    spec: ExpectationSpec,
    result: dict[str, Any],
    exception_info: Any,
    frame: pd.DataFrame,
    key: tuple[str, ...],
) -> str:
    """A failure in words: the rule, what was observed, which rows (by key) broke it and, for datasets
    aggregated in SQL, the example records those rows list."""
    error = _exception_message(exception_info)
    if error:
        return f"{spec.document['description']} [{_call(spec)}] could not be evaluated: {error}"
    parts = [f"{spec.document['description']} [{_call(spec)}]"]
    if "unexpected_count" in result:
        parts.append(f"{result['unexpected_count']} of {result.get('element_count', '?')} row(s) unexpected")
        examples = [_short(v) for v in (result.get("partial_unexpected_list") or [])[:_MAX_EXAMPLES]]
        indexes = list(result.get("partial_unexpected_index_list") or [])
        rows = _row_names(frame, key, indexes)
        if rows:
            parts.append("at " + "; ".join(f"{r} (value {v})" for r, v in zip(rows, examples, strict=False)))
        elif examples:
            parts.append("e.g. " + ", ".join(examples))
        listed = _listed_examples(frame, spec.examples, indexes)
        if listed:
            parts.append("records " + "; ".join(listed))
    elif "observed_value" in result:
        parts.append(f"observed {_short(result['observed_value'])}")
    return ": ".join(parts[:1]) + (": " + ", ".join(parts[1:]) if len(parts) > 1 else "")


class GxRunner:
    """A GX file context rooted in `home` (its `gx/` folder), publishing Data Docs into `docs_dir`.

    One runner per home and process (see `runner_for`): the context, suites, validation
    definitions and checkpoints are registered once and re-registered only when a suite file
    changed, since GX's stores make every registration cost a fraction of a second.
    """

    def __init__(self, home: Path, docs_dir: Path) -> None:
        silence_gx_logging()
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        self.docs_dir = docs_dir
        home.mkdir(parents=True, exist_ok=True)
        docs_dir.mkdir(parents=True, exist_ok=True)
        self.context = gx.get_context(mode="file", project_root_dir=str(home))
        self._configure(ProgressBarsConfig(globally=False, metric_calculations=False))
        self._registered: dict[str, tuple[str, Any]] = {}  # suite name -> (fingerprint, checkpoint)
        self.run_ids: list[Any] = []
        self.suite_ids: list[Any] = []

    def begin_run(self) -> None:
        self.run_ids, self.suite_ids = [], []

    def _configure(self, progress_bars: Any) -> None:
        context = self.context
        # No tqdm bars in task logs, no usage statistics; one Data Docs site, outside the repo.
        context.variables.progress_bars = progress_bars
        context.config.analytics_enabled = False
        site = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(self.docs_dir),
            },
            # GX's own index re-reads every stored result on every build (grows with history).
            "site_index_builder": {
                "class_name": "CachedSiteIndexBuilder",
                "module_name": "insights.quality.docs_index",
            },
        }
        sites = context.list_data_docs_sites()
        for name in [n for n in sites if n != DOCS_SITE]:
            context.delete_data_docs_site(name)
        if DOCS_SITE in sites:
            context.update_data_docs_site(DOCS_SITE, site)
        else:
            context.add_data_docs_site(DOCS_SITE, site)
        try:
            self.datasource = context.data_sources.get(DATASOURCE)
        except (KeyError, ValueError):
            self.datasource = context.data_sources.add_pandas(DATASOURCE)

    def _checkpoint(self, suite: SuiteSpec, expectations: list[ExpectationSpec]) -> tuple[Any, bool]:
        """The dataset's Checkpoint, and whether its suite was (re)written to the context just now."""
        fingerprint = hashlib.sha256(
            json.dumps(
                [_REGISTRATION_VERSION, suite.meta, [e.document for e in expectations]], sort_keys=True, default=str
            ).encode()
        ).hexdigest()
        registered = self._registered.get(suite.name)
        if registered is not None and registered[0] == fingerprint:
            return registered[1], False
        # A new process (each Airflow task, each bench stage) reuses what an earlier run stored
        # when the suite is unchanged: reading it back is ~20x cheaper than registering again.
        checkpoint = self._stored_checkpoint(suite.name, fingerprint)
        written = checkpoint is None
        if checkpoint is None:
            checkpoint = self._register(suite, expectations, fingerprint)
        self._registered[suite.name] = (fingerprint, checkpoint)
        return checkpoint, written

    def _stored_checkpoint(self, name: str, fingerprint: str) -> Any | None:
        from great_expectations.exceptions import GreatExpectationsError

        try:
            stored = self.context.suites.get(name)
            if (stored.meta or {}).get(_FINGERPRINT) != fingerprint:
                return None
            return self.context.checkpoints.get(f"gate.{name}")
        except (GreatExpectationsError, KeyError, ValueError, OSError):
            return None  # not stored yet, or unreadable: register it again

    def _register(self, suite: SuiteSpec, expectations: list[ExpectationSpec], fingerprint: str) -> Any:
        gx = self._gx
        context = self.context
        stored = context.suites.add_or_update(
            gx.ExpectationSuite(
                name=suite.name,
                expectations=[e.document for e in expectations],
                meta={**suite.meta, _FINGERPRINT: fingerprint},
            )
        )
        asset_names = {asset.name for asset in self.datasource.assets}
        asset = (
            self.datasource.get_asset(suite.name)
            if suite.name in asset_names
            else self.datasource.add_dataframe_asset(suite.name)
        )
        batch = next((b for b in asset.batch_definitions if b.name == BATCH_DEFINITION), None)
        if batch is None:
            batch = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        validation = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=suite.name, data=batch, suite=stored)
        )
        return context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=f"gate.{suite.name}",
                validation_definitions=[validation],
                actions=[],
                result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20},
            )
        )

    def validate(
        self,
        suite: SuiteSpec,
        expectations: list[ExpectationSpec],
        frame: pd.DataFrame,
        run_name: str,
        run_time: datetime,
    ) -> list[Outcome]:
        """Run the dataset's Checkpoint on its dataframe; one Outcome per expectation."""
        from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

        checkpoint, written = self._checkpoint(suite, expectations)
        result = checkpoint.run(
            batch_parameters={"dataframe": frame},
            run_id=self._gx.RunIdentifier(run_name=run_name, run_time=run_time),
        )
        self.run_ids.extend(result.run_results.keys())
        # The suite's page changes only with the suite: render it when rewritten, missing or older.
        if written or self._suite_page_stale(suite.name):
            self.suite_ids.append(ExpectationSuiteIdentifier(name=suite.name))
        by_name = {e.name: e for e in expectations}
        outcomes = []
        for validation in result.run_results.values():
            for item in validation.results:
                name = (item.expectation_config.meta or {}).get("name", item.expectation_config.type)
                spec = by_name[name]
                detail = (
                    ""
                    if item.success
                    else describe(spec, item.result or {}, item.exception_info, frame, suite.key)
                )
                outcomes.append(Outcome(name, bool(item.success), detail))
        order = {e.name: i for i, e in enumerate(expectations)}
        return sorted(outcomes, key=lambda o: order.get(o.expectation, len(order)))

    def _suite_page_stale(self, name: str) -> bool:
        relative = name.replace(".", "/")
        page = self.docs_dir / "expectations" / f"{relative}.html"
        stored = Path(self.context.root_directory) / "expectations" / f"{relative}.json"
        try:
            return page.stat().st_mtime_ns < stored.stat().st_mtime_ns
        except OSError:
            return True

    def build_data_docs(self) -> Path:
        """Render this run's validation results and changed suites, and the index over the whole history."""
        resources = [*self.run_ids, *self.suite_ids]
        # An empty list would make GX re-render every page of the history: nothing new, nothing to build.
        if resources:
            self.context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=resources)
        return self.docs_dir / "index.html"


_RUNNERS: dict[tuple[Path, Path], GxRunner] = {}


def runner_for(home: Path, docs_dir: Path) -> GxRunner:
    """The process's runner for this home (created, and GX imported, on first use)."""
    key = (home.resolve(), docs_dir.resolve())
    runner = _RUNNERS.get(key)
    if runner is None or not (home / "gx").is_dir():
        runner = _RUNNERS[key] = GxRunner(home, docs_dir)
    runner.begin_run()
    return runner

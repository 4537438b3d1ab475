"""The reliability suite's harness: run the pipeline against a faulty simulator and reconcile counts.

The suite itself lives in tests/reliability/; `python -m insights_dev.reliability` runs it and rewrites
the table in RELIABILITY.md from its results.
"""

from insights.env_vars import environment
from insights_dev.reliability.harness import (
    KEYS,
    ExtractionRun,
    landed_keys,
    mart_rows,
    quarantine_entries,
    run_extraction,
    settings_for,
)
from insights_dev.reliability.report import Outcome, render_table, write_table

__all__ = [
    "KEYS",
    "ExtractionRun",
    "Outcome",
    "environment",
    "landed_keys",
    "mart_rows",
    "quarantine_entries",
    "render_table",
    "run_extraction",
    "settings_for",
    "write_table",
]

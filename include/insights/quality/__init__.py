"""The quality gate: Great Expectations suites (expectations/) run on the candidate build before publication.

    from insights.quality import run_gate, GateResult, GateFailed
    result = run_gate(settings, backfill=False, log=None, config=None)  # never raises on failed data
    result.raise_for_failures()  # GateFailed naming each failed expectation and its dataset
    read_verdict(settings)       # the last run's verdict and build id (reports/quality_gate.json)

Importing this package does not import Great Expectations (~10 s); a gate run does.
"""

from insights.quality.config import GateConfig
from insights.quality.gate import (
    DATASET_QUERY,
    GateReportError,
    data_docs_dir,
    gate_report_path,
    read_verdict,
    run_gate,
)
from insights.quality.result import Failure, GateFailed, GateResult, GateVerdict, Skipped
from insights.quality.suites import SuiteFileError, SuiteSpec, load_suites

__all__ = [
    "DATASET_QUERY",
    "Failure",
    "GateConfig",
    "GateFailed",
    "GateReportError",
    "GateResult",
    "GateVerdict",
    "Skipped",
    "SuiteFileError",
    "SuiteSpec",
    "data_docs_dir",
    "gate_report_path",
    "load_suites",
    "read_verdict",
    "run_gate",
]

"""What the quality gate returns: the failed expectations, named by dataset, and where the Data Docs are."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Failure:
    """One failed expectation (or a dataset that could not be validated at all)."""

    dataset: str
    expectation: str
    detail: str

    def __str__(self) -> str:
        return f"{self.dataset}: {self.expectation}: {self.detail}"


@dataclass(frozen=True)
class Skipped:
    """A dataset or expectation the gate did not run this time, and why (e.g. no published snapshot yet)."""

    dataset: str
    expectation: str | None
    reason: str


class GateFailed(RuntimeError):
    """The candidate failed the quality gate; the message names each failed expectation and its dataset."""

    def __init__(self, failures: list[Failure], data_docs: Path | None = None) -> None:
        self.failures = list(failures)
        self.data_docs = data_docs
        super().__init__(failure_message(self.failures, data_docs))


def failure_message(failures: list[Failure], data_docs: Path | None = None) -> str:
    datasets = sorted({f.dataset for f in failures})
    lines = [
        f"quality gate failed: {len(failures)} expectation(s) in {len(datasets)} dataset(s) "
        f"({', '.join(datasets)}); the candidate was not published"
    ]
    lines += [f"  - {failure}" for failure in failures]
    if data_docs is not None:
        lines.append(f"  Data Docs: {data_docs}")
    return "\n".join(lines)


@dataclass
class GateResult:
    passed: bool
    failures: list[Failure]
    data_docs: Path
    skipped: list[Skipped] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # rows validated per dataset
    run_id: str = ""
    seconds: float = 0.0
    build_id: str | None = None  # the warehouse build validated (insights.warehouse.build_id)

    def failed(self, dataset: str) -> list[str]:
        """Names of the failed expectations of one dataset."""
        return [f.expectation for f in self.failures if f.dataset == dataset]

    def raise_for_failures(self) -> None:
        if self.failures:
            raise GateFailed(self.failures, self.data_docs)

    def summary(self) -> str:
        if self.passed:
            return (
                f"quality gate passed: {len(self.rows)} dataset(s), "
                f"{sum(self.rows.values()):,} rows validated"
                + (f", {len(self.skipped)} check(s) skipped" if self.skipped else "")
                + f"; Data Docs: {self.data_docs}"
            )
        return failure_message(self.failures, self.data_docs)


@dataclass(frozen=True)
class GateVerdict:
    """What the last gate run of a home recorded (reports/quality_gate.json), as publication reads it.

    status: "passed", "failed", or "running" (a gate started and never finished: it crashed or
    was killed, so it passed nothing).
    """

    report: Path
    status: str
    build_id: str | None  # the warehouse build the gate validated (None: the warehouse has no build id)
    warehouse: str | None  # the warehouse file it validated
    run_id: str
    failures: int

    @property
    def passed(self) -> bool:
        return self.status == "passed"

"""Outcomes the reliability tests report; conftest writes them out at the end of the session."""

from __future__ import annotations

from insights_dev.reliability import Outcome

OUTCOMES: list[Outcome] = []


def report(fault: str, family: str, *, injected: int, survived: bool, records_lost: int, check: str) -> None:
    OUTCOMES.append(Outcome(fault, family, injected, survived, records_lost, check))

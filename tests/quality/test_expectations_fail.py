"""Every expectation can fail: a corrupted copy of a clean build breaks it, the gate says so by name,
and publication does not happen, so readers keep the previous version."""

from __future__ import annotations

import pytest

from insights.quality import load_suites
from insights.quality.suites import suite_dirs
from tests.quality.conftest import Candidate, config_for, gate_then_publish, published_value, sha256
from tests.quality.corruptions import CASES, COVERED_ELSEWHERE, Case

READER_QUERY = "select max(version) from analytics._publication"


def test_every_expectation_has_a_failing_case() -> None:
    declared = {(s.name, e.name) for s in load_suites(suite_dirs()) for e in s.expectations}
    covered = {(c.dataset, c.expectation) for c in CASES} | set(COVERED_ELSEWHERE)
    assert declared - covered == set(), "expectations without a corruption that must break them"
    assert covered - declared == set(), "cases naming expectations that no suite declares"


@pytest.mark.slow
def test_clean_copy_passes_every_suite(candidate: Candidate) -> None:
    """The baseline of every case below: the uncorrupted fixture passes the whole gate (history included)."""
    result = gate_then_publish(candidate.settings, config=config_for())
    assert result.failures == []
    assert result.passed
    validated = {s.name for s in load_suites(suite_dirs())}
    assert set(result.rows) == validated  # nothing skipped for lack of a table or a snapshot
    assert [(s.dataset, s.expectation) for s in result.skipped] == [
        ("checks.dau_consistency", "mart_matches_semantic_layer")
    ]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corruption_fails_its_expectation(case: Case, candidate: Candidate) -> None:
    settings = candidate.settings
    snapshot_before = sha256(settings.published_snapshot)
    version_before = published_value(settings, READER_QUERY)
    candidate.corrupt(case.sql)

    result = gate_then_publish(settings, config=config_for(case.dataset))

    assert not result.passed
    failed = {(f.dataset, f.expectation) for f in result.failures}
    assert failed == {(case.dataset, name) for name in (case.expectation, *case.also)}
    # Publication was blocked: the snapshot readers open is the previous one, byte for byte.
    assert sha256(settings.published_snapshot) == snapshot_before
    assert published_value(settings, READER_QUERY) == version_before
    # The candidate stays as it was built, for inspection.
    assert candidate.path.is_file()

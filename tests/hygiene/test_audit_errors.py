"""run_audit and the report on a home without a warehouse fail with clear messages (no dbt run)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from insights.hygiene import AuditNotFoundError, audit_summary, render_report, run_audit
from insights.settings import PACKAGE_CONFIG_DIR

from .conftest import home_settings


def test_no_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    settings = home_settings(tmp_path / "home", PACKAGE_CONFIG_DIR)
    with pytest.raises(FileNotFoundError, match=r"warehouse\.duckdb: no warehouse to audit; build it first"):
        run_audit(settings, date(2026, 10, 31))
    with pytest.raises(AuditNotFoundError, match=r"warehouse\.duckdb: no warehouse"):
        audit_summary(settings, date(2026, 10, 31))
    with pytest.raises(AuditNotFoundError):
        render_report(settings, date(2026, 10, 31))
    assert not (settings.home / "reports").exists()

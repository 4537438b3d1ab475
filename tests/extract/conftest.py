from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty INSIGHTS_HOME."""
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture(autouse=True)
def fast_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short backoff so retry tests take milliseconds (Retry-After is still honoured as sent)."""
    monkeypatch.setenv("INSIGHTS_HTTP_BACKOFF_FACTOR", "0.01")
    monkeypatch.delenv("INSIGHTS_MAX_QUARANTINE_SHARE", raising=False)

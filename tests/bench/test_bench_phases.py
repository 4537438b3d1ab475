"""`insights bench --prepare-only` then `--prepared`: the setup runs whenever, the night is timed later
on the prepared home (once the machine is idle), exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _bench(tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSIGHTS_")}
    env["INSIGHTS_HOME"] = str(tmp_path / "home")
    return subprocess.run([sys.executable, "-m", "insights.cli", "bench", "--case", "1500x2", "--dir",
                           str(tmp_path / "bench"), "--cache-dir", str(tmp_path / "cache"), *flags],
                          env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_a_prepared_case_is_timed_later_and_only_once(tmp_path: Path) -> None:
    prepared = _bench(tmp_path, "--prepare-only")
    assert prepared.returncode == 0, prepared.stderr
    assert "time their nights later with --prepared" in prepared.stdout
    assert not (tmp_path / "bench" / "results.json").exists()  # nothing timed yet
    setup = json.loads((tmp_path / "bench" / "prepared.json").read_text())["cases"][0]
    assert setup["history_events"] > 0 and "history_build" in setup["setup"]

    measured = _bench(tmp_path, "--prepared", "--skip-full-refresh")
    assert measured.returncode == 0, measured.stderr
    case = json.loads((tmp_path / "bench" / "results.json").read_text())["cases"][0]
    assert [s["stage"] for s in case["stages"]] == ["extract", "load", "dbt", "gate", "publish", "floor"]
    assert case["setup"]["history_build"] == setup["setup"]["history_build"]  # the setup it reused
    assert case["floor_vs_mart"]["mismatched_days"] == 0 and case["floor_vs_mart"]["days"] > 0
    assert "| **nightly total** |" in (tmp_path / "bench" / "results.md").read_text()

    again = _bench(tmp_path, "--prepared")  # the night changed the home: no second timing on it
    assert again.returncode != 0
    assert "is not a prepared bench home" in again.stderr + again.stdout

"""What the published snapshot holds: its publication and its newest complete day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class Publication:
    version: int
    newest_complete_day: date | None
    newest_day: date | None


def read_publication(snapshot: Path) -> Publication | None:
    """The publication in `snapshot`, or None when nothing was published yet."""
    if not snapshot.is_file():
        return None
    with duckdb.connect(str(snapshot), read_only=True) as con:
        version = con.execute("select max(version) from analytics._publication").fetchone()[0]
        complete, newest = con.execute(
            "select max(daily.date_day) filter (where daily.is_complete), max(daily.date_day) "
            "from marts.metrics_active_users_daily as daily"
        ).fetchone()
    return Publication(int(version), complete, newest)

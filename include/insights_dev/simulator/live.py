"""The live world: history behind today, on the real clock, so new data arrives every hour.

`insights sim serve --live` generates the world from `today - history_days` up to a few days past
today and serves it on the wall clock. Every vendor API only shows what its clock allows (Amplitude
an upload hour ~2 h after it ends, Typeform a response ~30 min after submission, Zendesk a ticket
version once updated), so yesterday is complete in the morning and today fills in hour by hour, as
with the real vendors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from insights_dev.simulator.config import WorldConfig

DEFAULT_HISTORY_DAYS = 14
# Days generated past today: a server left running keeps receiving data for this long (restart it,
# or `make up` again, to re-anchor the world on the new day).
DEFAULT_LOOKAHEAD_DAYS = 7

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    """The vendors' clock in live mode: the machine's UTC time."""
    return datetime.now(UTC)


def live_world_config(
    base: WorldConfig,
    today: date,
    history_days: int = DEFAULT_HISTORY_DAYS,
    lookahead_days: int = DEFAULT_LOOKAHEAD_DAYS,
) -> WorldConfig:
    """`base` moved so that its window starts `history_days` before `today` and runs `lookahead_days` past it."""
    if history_days < 1 or lookahead_days < 0:
        raise ValueError(f"history_days must be >= 1 and lookahead_days >= 0, got {history_days}, {lookahead_days}")
    return dataclasses.replace(
        base,
        start=today - timedelta(days=history_days),
        days=history_days + 1 + lookahead_days,
    )

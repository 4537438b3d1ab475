"""Knobs of the synthetic world. Defaults give the demo world (~2,000 users over 90 days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class WorldConfig:
    seed: int = 7
    users: int = 2000
    days: int = 90
    start: date = date(2026, 8, 3)  # a Monday
    project_id: int = 187520

    # population
    existing_user_share: float = 0.55  # signed up before the window; the rest sign up during it
    churn_share: float = 0.15  # stop being active at some day of the window
    internal_user_share: float = 0.01  # employees, emails at the internal domains (mixed case)
    test_user_share: float = 0.01  # flagged is_test=true on only some of their events
    anonymous_visitor_share: float = 0.05  # devices never identified (per user count)
    second_device_share: float = 0.35
    max_identification_delay_days: int = 2  # anonymous browsing before signed_up: 0..2 days

    # activity
    weekend_activity_factor: float = 0.3

    # event quirks (shares of events; each quirk occurs at least once whatever the size)
    late_upload_share: float = 0.03  # uploaded hours later instead of seconds/minutes later
    late_upload_max_hours: int = 48
    future_dated_share: float = 0.003  # event_time more than 1 h after server_upload_time
    day_edge_share: float = 0.002  # event_time exactly 00:00:00.000000 or 23:59:59.999999
    duplicate_share: float = 0.02  # same $insert_id re-sent with a later upload and a new uuid
    null_insert_id_share: float = 0.01  # $insert_id null; some of those re-sent with the same uuid
    property_violation_share: float = 0.01
    unplanned_event_share: float = 0.01
    deprecated_event_share: float = 0.004  # deprecated events that still fire
    # plan events that never fire (a dead active tracker, a deprecated one that stopped)
    silent_events: tuple[str, ...] = ("calendar_synced", "gantt_view_opened")
    unplanned_events: tuple[str, ...] = ("debug_click", "tooltipShown", "Export Clicked")

    # tickets
    tickets_per_user: float = 0.4
    deleted_ticket_share: float = 0.02
    reopened_ticket_share: float = 0.08

    # surveys
    nps_respondent_share: float = 0.18
    nps_partial_share: float = 0.1
    nps_repeat_share: float = 0.06  # respondents answering twice in the same month
    nps_missing_user_id_share: float = 0.08
    barometer_extra_pms: int = 3  # PMs at the company domain beyond product_areas.csv
    barometer_answer_share: float = 0.75

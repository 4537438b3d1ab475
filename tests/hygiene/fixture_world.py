"""A hand-written raw zone and workspace config for the hygiene audit tests.

Two hygiene windows of 30 days (the demo setting) side by side:

- CLEAN_DAY 2026-10-01, window 09-02..10-01: every active plan event fires with valid
  properties (edge cases that are *not* violations included: 12.0 is an integer, 3 is a number,
  an optional property left out), a `planned` event fires (not a finding), nothing else. The
  audit of that day must find nothing.
- DIRTY_DAY 2026-10-31, window 10-02..10-31: each finding at least once, plus traps that must
  not count (a duplicate copy, future-dated events, events just outside the window).

Events before both windows (08-20: a deprecated event; 09-01: a property violation) and after
the dirty one (11-01: an unplanned event) prove the window bounds. The expected results in the
tests are counted by hand from the lists below, not computed.

The workspace is the demo config with two changes: activation_event is page_viewed (a
non-qualifying event, so the usage ledger's activation channel shows on its own), and a
barometer_invitees.csv of its own. Barometer responses: two editions, see BAROMETER_* below.
"""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml

from insights.extraction.landing import RawZone
from insights.settings import PACKAGE_CONFIG_DIR
from tests.warehouse.raw_world import event, write_events

CLEAN_DAY = date(2026, 10, 1)
DIRTY_DAY = date(2026, 10, 31)
ACTIVATION_EVENT = "page_viewed"

# (event type, properties) of one valid event of every active plan event type
VALID_BASELINE: list[tuple[str, dict[str, Any]]] = [
    ("session_started", {}),  # platform_version is optional
    ("page_viewed", {"page": "home"}),
    ("signed_up", {"method": "google"}),
    ("project_created", {"template": "kanban"}),
    ("task_created", {"priority": "high", "has_due_date": False}),
    ("task_completed", {"duration_hours": 2.5}),
    ("comment_added", {"length": 7}),
    ("invite_sent", {"seats": 2}),
    ("file_uploaded", {"size_mb": 4.5}),
    ("dashboard_viewed", {}),
    ("report_exported", {"format": "pdf"}),
    ("integration_connected", {"provider": "slack"}),
]


def _ev(
    event_type: str, when: str, properties: dict[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    kwargs.setdefault("device_id", "d1")
    kwargs.setdefault("user_id", "u1")
    return event(event_type, when, properties=properties or {}, **kwargs)


def clean_window_events() -> list[dict[str, Any]]:
    """Valid events of the clean window only (09-02..10-01)."""
    events = [_ev(name, "2026-09-02 10:00:00", props) for name, props in VALID_BASELINE]  # first day
    events += [
        _ev("calendar_synced", "2026-09-15 09:00:00"),
        _ev("ai_summary_generated", "2026-09-20 09:00:00", {"words": 120}),  # planned status: no finding
        _ev("comment_added", "2026-09-21 09:00:00", {"length": 12.0}),  # 12.0 is an integer
        _ev("file_uploaded", "2026-09-22 09:00:00", {"size_mb": 3}),  # an integer is a number
        _ev("page_viewed", "2026-10-01 23:30:00", {"page": "settings"}),  # last day of the window
    ]
    return events


def dirty_window_events() -> list[dict[str, Any]]:
    """Events of the dirty window (10-02..10-31) and its traps."""
    events = [_ev(name, "2026-10-10 10:00:00", props) for name, props in VALID_BASELINE]
    events += [
        # property violations: task_created 4 events (one breaks two properties)
        _ev("task_created", "2026-10-11 09:00:00", {"priority": "high", "has_due_date": 1}),
        _ev("task_created", "2026-10-11 09:05:00", {"has_due_date": True}),
        _ev("task_created", "2026-10-11 09:10:00", {"priority": "urgent", "has_due_date": False}),
        _ev("task_created", "2026-10-11 09:15:00", {"priority": 5, "has_due_date": "yes"}),
        # comment_added: a string and a fractional number for an integer
        _ev("comment_added", "2026-10-12 09:00:00", {"length": "12"}),
        _ev("comment_added", "2026-10-12 09:05:00", {"length": 12.5}),
        # file_uploaded: a boolean is not a number
        _ev("file_uploaded", "2026-10-13 09:00:00", {"size_mb": True}),
        # invite_sent: a required property sent as null
        _ev("invite_sent", "2026-10-14 09:00:00", {"seats": None}),
        # deprecated but firing
        _ev("legacy_export_clicked", "2026-10-05 09:00:00"),
        _ev("legacy_export_clicked", "2026-10-06 09:00:00"),
        # unplanned, on the window's first and last days; badly named ones
        _ev("debug_click", "2026-10-02 00:00:00", insert_id="dbg-1"),
        _ev("debug_click", "2026-10-20 12:00:00"),
        _ev("debug_click", "2026-10-31 23:59:59", insert_id="dbg-3"),
        _ev("Export Clicked", "2026-10-21 12:00:00"),
        _ev("tooltipShown", "2026-10-22 12:00:00"),
    ]
    # traps: a re-sent copy (same insert_id, later upload), future-dated events (event_time more
    # than 1 h after the upload: invalid), an event the day after the window
    events += [
        _ev("debug_click", "2026-10-02 00:00:00", insert_id="dbg-1", uploaded="2026-10-02 05:00:00"),
        _ev("calendar_synced", "2026-10-15 12:00:00", uploaded="2026-10-15 10:00:00"),
        _ev("task_created", "2026-10-16 12:00:00", {"priority": "nope"}, uploaded="2026-10-16 09:00:00"),
        _ev("debug_click", "2026-11-01 08:00:00"),
    ]
    return events


def outside_window_events() -> list[dict[str, Any]]:
    return [
        _ev("gantt_view_opened", "2026-08-20 09:00:00"),  # deprecated, fired before both windows
        _ev(
            "comment_added", "2026-09-01 09:00:00", {"length": "x"}
        ),  # a violation the day before the clean window
    ]


def all_events() -> list[dict[str, Any]]:
    """Every event of the fixture; the same ids on every call (the id counter starts over)."""
    event.counter = 0  # type: ignore[attr-defined]
    return outside_window_events() + clean_window_events() + dirty_window_events()


# Events of the dirty window per type, counted by hand from dirty_window_events(): valid,
# deduplicated, event day in 10-02..10-31.
DIRTY_VOLUMES = {
    "task_created": 5,
    "comment_added": 3,
    "debug_click": 3,
    "file_uploaded": 2,
    "invite_sent": 2,
    "legacy_export_clicked": 2,
    "session_started": 1,
    "page_viewed": 1,
    "signed_up": 1,
    "project_created": 1,
    "task_completed": 1,
    "dashboard_viewed": 1,
    "report_exported": 1,
    "integration_connected": 1,
    "Export Clicked": 1,
    "tooltipShown": 1,
}

# --------------------------------------------------------------------------------------------
# Product barometer (Typeform)

BAROMETER_FORM_ID = "baroFix1"
THEMES = ("discovery", "strategy", "delivery", "measurement", "collaboration")
INVITEES = {
    "2026-H1": ["ana.ruiz", "li.wei", "maya.okafor", "tom.becker"],
    "2026-H2": ["ana.ruiz", "li.wei", "maya.okafor", "tom.becker", "sara.lindqvist"],
}
DOMAIN = "acme-insights.com"
MALFORMED_EDITION = "call Tom Becker on +44 20 7946 0001"

BAROMETER_FORM = {
    "id": BAROMETER_FORM_ID,
    "type": "form",
    "title": "Product barometer",
    "hidden": ["pm_email", "edition"],
    "fields": [
        *(
            {
                "id": f"f_{theme}",
                "ref": theme,
                "type": "opinion_scale",
                "title": theme,
                "properties": {"steps": 5, "start_at_one": True},
            }
            for theme in THEMES
        ),
        {"id": "f_pain", "ref": "pain_point", "type": "long_text", "title": "Biggest pain point?"},
    ],
}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def barometer_response(
    response_id: str,
    *,
    edition: str,
    pm_email: str,
    submitted: str | None,
    scores: tuple[int, ...],
    pain: str | None = None,
) -> dict[str, Any]:
    """A barometer response; `scores` follow THEMES (a partial response may score fewer)."""
    landed = datetime.fromisoformat(submitted or "2026-09-10 09:00") - timedelta(minutes=5)
    answers: list[dict[str, Any]] = [
        {
            "field": {"id": f"f_{theme}", "type": "opinion_scale", "ref": theme},
            "type": "number",
            "number": score,
        }
        for theme, score in zip(THEMES, scores, strict=False)
    ]
    if pain is not None:
        answers.append(
            {
                "field": {"id": "f_pain", "type": "long_text", "ref": "pain_point"},
                "type": "text",
                "text": pain,
            }
        )
    return {
        "response_id": response_id,
        "token": response_id,
        "response_type": "completed" if submitted else "partial",
        "landed_at": _iso(landed),
        "submitted_at": _iso(datetime.fromisoformat(submitted)) if submitted else None,
        "metadata": {"platform": "other"},
        "hidden": {"pm_email": pm_email, "edition": edition},
        "calculated": {"score": 0},
        "answers": answers,
    }


# One row a response: (response id, edition, PM email, submitted at (None: a partial response),
# scores following THEMES, pain point)
_BAROMETER_ROWS: list[tuple[str, str, str, str | None, tuple[int, ...], str | None]] = [
    # 2026-H1: 4 invited; ana and li complete, maya only a partial response
    ("h1-ana", "2026-H1", f"ana.ruiz@{DOMAIN}", "2026-08-21 10:00", (2, 3, 4, 1, 5), "The dashboard export is slow"),
    ("h1-li", "2026-H1", f"li.wei@{DOMAIN}", "2026-08-22 10:00", (4, 3, 2, 3, 5), None),
    ("h1-maya", "2026-H1", f"maya.okafor@{DOMAIN}", None, (1, 1), None),
    # 2026-H2: 5 invited; ana twice (the later response scores), li with an upper-case email,
    # sara; zoe answers without an invitation; tom and maya do not answer
    ("h2-ana-1", "2026-H2", f"ana.ruiz@{DOMAIN}", "2026-10-20 10:00", (1, 1, 1, 1, 1), "Billing page confuses me"),
    ("h2-ana-2", "2026-H2", f"ana.ruiz@{DOMAIN}", "2026-10-25 10:00", (4, 4, 4, 4, 4), None),
    ("h2-li", "2026-H2", f"LI.WEI@{DOMAIN.upper()}", "2026-10-21 10:00", (2, 2, 2, 2, 2), None),
    (
        "h2-sara",
        "2026-H2",
        f"sara.lindqvist@{DOMAIN}",
        "2026-10-22 10:00",
        (3, 5, 3, 3, 3),
        "Our Jira integration breaks",
    ),
    ("h2-zoe", "2026-H2", f"zoe.khan@{DOMAIN}", "2026-10-23 10:00", (5, 5, 5, 5, 5), "Nothing in particular"),
    # the survey link edited by hand: free text where the edition goes makes no barometer response
    (
        "edited-link",
        MALFORMED_EDITION,
        f"tom.becker@{DOMAIN}",
        "2026-10-24 10:00",
        (1, 1, 1, 1, 1),
        "Typed into the wrong field",
    ),
]

BAROMETER_RESPONSES = [
    barometer_response(rid, edition=edition, pm_email=email, submitted=at, scores=scores, pain=pain)
    for rid, edition, email, at, scores, pain in _BAROMETER_ROWS
]


# --------------------------------------------------------------------------------------------
# writing


def write_workspace_config(folder: Path) -> Path:
    """The demo config, activation_event = page_viewed, and the fixture's invited PMs."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("tracking_plan.yml", "product_areas.csv", "product_area_keywords.csv"):
        shutil.copy(PACKAGE_CONFIG_DIR / name, folder / name)
    settings = yaml.safe_load((PACKAGE_CONFIG_DIR / "settings.yml").read_text(encoding="utf-8"))
    settings["activation_event"] = ACTIVATION_EVENT
    (folder / "settings.yml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    lines = ["edition,pm_email"] + [f"{e},{pm}@{DOMAIN}" for e, pms in INVITEES.items() for pm in pms]
    (folder / "barometer_invitees.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _land_json_lines(
    raw_dir: Path,
    source: str,
    stream: str,
    partition: str,
    name: str,
    records: list[dict[str, Any]],
    day: date,
) -> None:
    folder = raw_dir / source / stream / partition
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(folder / name, "wb") as handle:
        for record in records:
            handle.write(json.dumps(record).encode("utf-8") + b"\n")
    start = datetime.combine(day, time(0), tzinfo=UTC)
    RawZone(raw_dir).write_manifest(
        folder, source=source, stream=stream, interval=(start, start + timedelta(days=1))
    )


def write_raw_zone(raw_dir: Path) -> None:
    write_events(raw_dir, all_events())
    day = date(2026, 10, 31)
    _land_json_lines(
        raw_dir,
        "typeform",
        "forms",
        f"dt={day}",
        f"form_id={BAROMETER_FORM_ID}.jsonl.gz",
        [BAROMETER_FORM],
        day,
    )
    _land_json_lines(
        raw_dir,
        "typeform",
        "responses",
        f"form_id={BAROMETER_FORM_ID}/dt={day}",
        "part-00000.jsonl.gz",
        BAROMETER_RESPONSES,
        day,
    )

"""A small, hand-written raw zone for the voice-of-customer marts, and its workspace config.

Every quirk of metrics.md sections 5-6 appears at least once: ticket versions (latest
updated_at wins, also when file order disagrees, and the same version landed twice), a deleted
ticket, reopened tickets, area tags (first wins, bare `area:`, an unknown area, none),
satisfaction scores of all four kinds; Typeform overlapping partitions (the same response
twice), partial responses (one later completed), respondents answering twice in a month, no
hidden user_id, NPS scores on every category edge, long texts with word-boundary traps,
whitespace-only and empty texts, regex metacharacters, a keyword of an area missing from the
product areas. An incomplete partition (no manifest) holds records that must never count.
The sources' watermarks (WATERMARKS) make part of the range complete: zendesk through the end
of 10-11 (10-12 and 10-13 hold data but are not complete), typeform through September.

The layout is docs/contracts.md's; manifests are written with the landing writer's own
`RawZone.write_manifest`, so the fixture stays in the format the loader reads.
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from insights.extraction.landing import RawZone, utc_iso, write_json_atomic
from insights.settings import PACKAGE_CONFIG_DIR

# --------------------------------------------------------------------------------------------
# workspace config: the demo's areas and keywords plus two routing traps


EXTRA_KEYWORDS = [
    ("warp-drive", "warp"),  # an area that is missing from product_areas: unrouted
    ("integrations", "c++"),  # regex metacharacters, and no word character at its end
]


def write_workspace_config(folder: Path) -> Path:
    """The demo config with EXTRA_KEYWORDS appended to product_area_keywords.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("tracking_plan.yml", "settings.yml", "product_areas.csv"):
        shutil.copy(PACKAGE_CONFIG_DIR / name, folder / name)
    with (PACKAGE_CONFIG_DIR / "product_area_keywords.csv").open(newline="", encoding="utf-8") as handle:
        rows = [(row["area"], row["keyword"]) for row in csv.DictReader(handle)]
    with (folder / "product_area_keywords.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["area", "keyword"])
        writer.writerows(rows + EXTRA_KEYWORDS)
    return folder


# --------------------------------------------------------------------------------------------
# Zendesk tickets


def _iso(moment: str) -> str:
    """'2026-09-24 09:00' -> '2026-09-24T09:00:00Z' (the API's format)."""
    return datetime.fromisoformat(moment).replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(moment: str) -> int:
    return int(datetime.fromisoformat(moment).replace(tzinfo=UTC).timestamp())


def ticket(
    ticket_id: int,
    *,
    created: str,
    updated: str,
    status: str,
    tags: list[str] | None = None,
    score: str | None = None,
    solved: str | None = None,
    reply: int | None = None,
    full: int | None = None,
    subject: str = "Help",
) -> dict[str, Any]:
    """One ticket version as the incremental export sends it (metric_set null when deleted)."""
    metric_set = None
    if status != "deleted":
        metric_set = {
            "solved_at": _iso(solved) if solved else None,
            "replies": 1 if reply is not None else 0,
            "reopens": 0,
            "reply_time_in_minutes": {"calendar": reply, "business": reply},
            "first_resolution_time_in_minutes": {"calendar": full, "business": full},
            "full_resolution_time_in_minutes": {"calendar": full, "business": None if full is None else full // 2},
        }
    return {
        "id": ticket_id,
        "type": "question",
        "subject": subject,
        "description": f"{subject} (ticket {ticket_id})",
        "priority": "normal",
        "status": status,
        "requester_id": 9000 + ticket_id,
        "assignee_id": 42,
        "organization_id": None,
        "group_id": 7,
        "tags": tags if tags is not None else [],
        "via": {"channel": "email"},
        "custom_fields": [{"id": 360001, "value": None}],
        "satisfaction_rating": None if score is None else {"score": score, "comment": None},
        "created_at": _iso(created),
        "updated_at": _iso(updated),
        "generated_timestamp": _epoch(updated),
        "metric_set": metric_set,
    }


T101_NEW = ticket(101, created="2026-09-24 09:00", updated="2026-09-24 09:00", status="new", tags=["area:billing"])
T101_SOLVED = ticket(
    101,
    created="2026-09-24 09:00",
    updated="2026-09-25 10:00",
    status="solved",
    tags=["area:billing"],
    score="good",
    solved="2026-09-25 10:00",
    reply=30,
    full=1500,
    subject="Invoice is wrong",
)
T102 = ticket(
    102,
    created="2026-09-24 12:00",
    updated="2026-09-24 13:00",
    status="open",
    tags=["vip", "area:projects", "area:billing"],
    score="offered",
    reply=45,
)
T103_NEW = ticket(103, created="2026-09-25 08:00", updated="2026-09-25 08:00", status="new", tags=["area:warp-drive"])
T103 = ticket(
    103,
    created="2026-09-25 08:00",
    updated="2026-09-28 16:00",
    status="closed",
    tags=["area:warp-drive"],
    score="bad",
    solved="2026-09-28 15:00",
    reply=10,
    full=4000,
)
T104 = ticket(104, created="2026-09-26 11:00", updated="2026-09-26 11:30", status="pending", score="unoffered")
T105_OPEN = ticket(
    105,
    created="2026-09-28 10:00",
    updated="2026-09-28 10:05",
    status="open",
    tags=["area:mobile"],
    score="good",
    reply=999,
)
T105_DELETED = ticket(
    105, created="2026-09-28 10:00", updated="2026-09-29 09:00", status="deleted", tags=["area:mobile"], score="good"
)
T106 = ticket(
    106,
    created="2026-09-30 23:30",
    updated="2026-10-01 08:00",
    status="solved",
    tags=["area:tasks"],
    score="good",
    solved="2026-10-01 08:00",
    reply=5,
    full=510,
)
T107_V1 = ticket(
    107,
    created="2026-10-02 09:00",
    updated="2026-10-03 09:00",
    status="solved",
    tags=["area:", "area:reporting"],
    solved="2026-10-03 09:00",
    reply=120,
    full=1440,
)
T107_V2 = ticket(
    107,
    created="2026-10-02 09:00",
    updated="2026-10-04 09:00",
    status="open",
    tags=["area:", "area:reporting"],
    solved="2026-10-03 09:00",
    reply=120,
)
T107_V3 = ticket(
    107,
    created="2026-10-02 09:00",
    updated="2026-10-05 09:00",
    status="solved",
    tags=["area:", "area:reporting"],
    score="bad",
    solved="2026-10-05 09:00",
    reply=120,
    full=4320,
)
T108_SOLVED = ticket(
    108,
    created="2026-10-05 14:00",
    updated="2026-10-06 14:00",
    status="solved",
    tags=["area:integrations"],
    solved="2026-10-06 14:00",
    reply=60,
    full=1440,
)
T108_REOPENED = ticket(
    108,
    created="2026-10-05 14:00",
    updated="2026-10-07 10:00",
    status="open",
    tags=["area:integrations"],
    solved="2026-10-06 14:00",
    reply=60,
)
T109 = ticket(
    109,
    created="2026-10-07 07:00",
    updated="2026-10-09 12:00",
    status="closed",
    tags=["area:onboarding"],
    score="good",
    solved="2026-10-09 12:00",
    reply=15,
    full=2880,
)
T110 = ticket(110, created="2026-10-12 16:00", updated="2026-10-12 16:00", status="new", tags=["area:billing"])
T111_OLD = ticket(111, created="2026-10-13 09:00", updated="2026-10-13 09:00", status="open", tags=["area:tasks"])
T111_NEW = ticket(
    111,
    created="2026-10-13 09:00",
    updated="2026-10-13 18:00",
    status="solved",
    tags=["area:projects"],
    score="good",
    solved="2026-10-13 18:00",
    reply=20,
    full=540,
)
# In a partition without a manifest (an interrupted extraction): must never be loaded.
T101_GHOST = ticket(101, created="2026-09-24 09:00", updated="2026-10-20 09:00", status="deleted")
T199_GHOST = ticket(199, created="2026-10-20 09:00", updated="2026-10-20 09:00", status="new", tags=["area:tasks"])

# partition dt -> pages (one file each), in extraction order
ZENDESK_PARTITIONS: dict[str, list[list[dict[str, Any]]]] = {
    "2026-09-24": [[T101_NEW, T102]],
    "2026-09-25": [[T101_SOLVED, T103_NEW]],
    # the same version of 101 landed again (an overlapping re-run), then 103's final version
    "2026-09-26": [[T101_SOLVED, T104]],
    "2026-09-28": [[T105_OPEN], [T103]],
    "2026-09-29": [[T105_DELETED]],
    "2026-10-01": [[T106]],
    "2026-10-03": [[T107_V1]],
    "2026-10-04": [[T107_V2]],
    "2026-10-05": [[T107_V3, T108_SOLVED]],
    "2026-10-07": [[T108_REOPENED, T109]],
    "2026-10-12": [[T110]],
    # file order disagrees with updated_at: the newer version of 111 comes first
    "2026-10-13": [[T111_NEW], [T111_OLD]],
}
ZENDESK_INCOMPLETE = {"2026-10-20": [[T101_GHOST, T199_GHOST]]}

# --------------------------------------------------------------------------------------------
# Typeform forms and responses

NPS_FORM_ID = "nps01"
BAROMETER_FORM_ID = "baro01"


def nps_form(title: str) -> dict[str, Any]:
    return {
        "id": NPS_FORM_ID,
        "type": "form",
        "title": title,
        "hidden": ["user_id", "plan"],
        "fields": [
            {
                "id": "f_nps",
                "ref": "nps_score",
                "title": "How likely...?",
                "type": "nps",
                "properties": {"steps": 11, "start_at_one": False},
            },
            {"id": "f_reason", "ref": "main_reason", "title": "Main reason?", "type": "long_text"},
            {
                "id": "f_role",
                "ref": "role",
                "title": "Your role",
                "type": "multiple_choice",
                "properties": {"choices": [{"id": "c1", "label": "PM"}, {"id": "c2", "label": "Dev"}]},
            },
        ],
    }


BAROMETER_FORM = {
    "id": BAROMETER_FORM_ID,
    "type": "form",
    "title": "Product barometer",
    "hidden": ["pm_email", "edition"],
    "fields": [
        {
            "id": "g_maturity",
            "ref": "maturity",
            "title": "PM maturity",
            "type": "group",
            "properties": {
                "fields": [
                    {"id": f"f_{theme}", "ref": theme, "title": theme, "type": "opinion_scale"}
                    for theme in ("discovery", "strategy", "delivery", "measurement", "collaboration")
                ]
            },
        },
        {"id": "f_pain", "ref": "pain_point", "title": "Biggest pain point?", "type": "long_text"},
    ],
}

FORM_PARTITIONS: dict[str, list[dict[str, Any]]] = {
    "2026-09-24": [nps_form("NPS (draft)"), BAROMETER_FORM],
    "2026-10-10": [nps_form("Net Promoter Score")],
}


def response(
    response_id: str,
    *,
    landed: str,
    submitted: str | None,
    hidden: dict[str, str],
    score: int | None = None,
    reason: str | None = None,
    role: str | None = None,
) -> dict[str, Any]:
    """An NPS-form response item; unanswered questions are absent from `answers`."""
    answers: list[dict[str, Any]] = []
    if score is not None:
        answers.append({"field": {"id": "f_nps", "type": "nps", "ref": "nps_score"}, "type": "number", "number": score})
    if role is not None:
        answers.append(
            {
                "field": {"id": "f_role", "type": "multiple_choice", "ref": "role"},
                "type": "choice",
                "choice": {"id": "c1", "label": role},
            }
        )
    if reason is not None:
        answers.append(
            {"field": {"id": "f_reason", "type": "long_text", "ref": "main_reason"}, "type": "text", "text": reason}
        )
    return {
        "landing_id": response_id,
        "token": response_id,
        "response_id": response_id,
        "response_type": "completed" if submitted else "partial",
        "landed_at": _iso(landed),
        "submitted_at": _iso(submitted) if submitted else None,
        "metadata": {"platform": "other", "user_agent": "test"},
        "hidden": hidden,
        "calculated": {"score": 0},
        "answers": answers,
    }


def barometer_response(response_id: str, *, submitted: str | None, pm_email: str, pain: str) -> dict[str, Any]:
    landed = submitted or "2026-10-08 09:00"
    answers: list[dict[str, Any]] = [
        {"field": {"id": f"f_{theme}", "type": "opinion_scale", "ref": theme}, "type": "number", "number": level}
        for theme, level in (("discovery", 3), ("strategy", 4), ("delivery", 2))
    ]
    answers.append({"field": {"id": "f_pain", "type": "long_text", "ref": "pain_point"}, "type": "text", "text": pain})
    return {
        "response_id": response_id,
        "token": response_id,
        "response_type": "completed" if submitted else "partial",
        "landed_at": _iso(landed),
        "submitted_at": _iso(submitted) if submitted else None,
        "metadata": {"platform": "other"},
        "hidden": {"pm_email": pm_email, "edition": "2026-H2"},
        "calculated": {"score": 0},
        "answers": answers,
    }


PRO_U1 = {"user_id": "u1", "plan": "pro"}
R1 = response(
    "r1",
    landed="2026-09-24 09:58",
    submitted="2026-09-24 10:00",
    hidden=PRO_U1,
    score=9,
    reason="Love the board view, but the Projects page is slow",
    role="PM",
)
R2 = response("r2", landed="2026-09-27 09:58", submitted="2026-09-27 10:00", hidden=PRO_U1, score=6, reason="")
R3 = response(
    "r3",
    landed="2026-09-25 23:50",
    submitted="2026-09-25 23:55",
    hidden={"user_id": "u2", "plan": "free"},
    score=7,
    reason="The DUE DATE picker and the invoice page",
)
R4 = response(
    "r4",
    landed="2026-09-26 08:00",
    submitted="2026-09-26 08:01",
    hidden={"plan": "free"},
    score=10,
    reason="Projects and reporting are great",
)
R5 = response(
    "r5",
    landed="2026-09-26 09:00",
    submitted="2026-09-26 09:01",
    hidden={"plan": "free", "user_id": ""},
    score=8,
    reason="Warp speed please!",
)
R6_PARTIAL = response(
    "r6",
    landed="2026-09-26 12:00",
    submitted=None,
    hidden={"user_id": "u3", "plan": "enterprise"},
    score=0,
    reason="billing is broken",
)
R7 = response(
    "r7",
    landed="2026-10-01 07:00",
    submitted="2026-10-01 07:05",
    hidden={"user_id": "u3", "plan": "enterprise"},
    score=0,
    reason="Our Jira integration keeps failing",
)
R8 = response("r8", landed="2026-10-02 10:00", submitted="2026-10-02 10:01", hidden=PRO_U1, score=10, reason=" \n\t ")
R9 = response(
    "r9",
    landed="2026-10-03 11:00",
    submitted="2026-10-03 11:02",
    hidden={"user_id": "u4"},
    score=8,
    reason="Please add a dark mode",
)
R12 = response(
    "r12",
    landed="2026-10-04 15:00",
    submitted="2026-10-04 15:03",
    hidden={"user_id": "u5", "plan": "pro"},
    reason="The mobile app crashes on my Android phone",
)
R13_PARTIAL = response(
    "r13", landed="2026-09-28 20:00", submitted=None, hidden={"user_id": "u6", "plan": "free"}, score=9
)
R13_DONE = response(
    "r13",
    landed="2026-09-28 20:00",
    submitted="2026-09-29 08:00",
    hidden={"user_id": "u6", "plan": "free"},
    score=9,
    reason="Slack integration, and c++ support",
)
R14 = response(
    "r14",
    landed="2026-10-04 09:00",
    submitted="2026-10-04 09:30",
    hidden={"user_id": "u2", "plan": "free"},
    score=6,
    reason="The export to CSV and the reporting dashboard",
)
R15 = response(
    "r15",
    landed="2026-10-04 09:00",
    submitted="2026-10-04 09:30",
    hidden={"user_id": "u7", "plan": "pro"},
    score=7,
    reason="task lists (sub-tasks) are [great]",
)
R16 = response(
    "r16",
    landed="2026-10-05 09:00",
    submitted="2026-10-05 09:30",
    hidden={"user_id": "u8", "plan": "enterprise"},
    score=9,
)
B1 = barometer_response(
    "b1",
    submitted="2026-10-06 10:00",
    pm_email="maya.okafor@acme-insights.com",
    pain="Too many dashboards; I can't find the export",
)
B2 = barometer_response(
    "b2", submitted="2026-10-07 11:00", pm_email="li.wei@acme-insights.com", pain="c++ (beta)? [x] ^$ .*"
)
B3_PARTIAL = barometer_response("b3", submitted=None, pm_email="tom.becker@acme-insights.com", pain="invoice")

# (form_id, partition dt) -> pages; consecutive partitions overlap (the 30-minute lookback)
RESPONSE_PARTITIONS: dict[tuple[str, str], list[list[dict[str, Any]]]] = {
    (NPS_FORM_ID, "2026-09-24"): [[R1]],
    (NPS_FORM_ID, "2026-09-25"): [[R3]],
    (NPS_FORM_ID, "2026-09-26"): [[R3, R4, R5], [R6_PARTIAL]],
    (NPS_FORM_ID, "2026-09-27"): [[R2]],
    (NPS_FORM_ID, "2026-09-28"): [[R13_PARTIAL]],
    (NPS_FORM_ID, "2026-09-29"): [[R13_DONE, R13_PARTIAL]],
    (NPS_FORM_ID, "2026-10-01"): [[R7]],
    (NPS_FORM_ID, "2026-10-02"): [[R8]],
    (NPS_FORM_ID, "2026-10-03"): [[R9, R8]],
    (NPS_FORM_ID, "2026-10-04"): [[R12, R14, R15]],
    (NPS_FORM_ID, "2026-10-05"): [[R16]],
    (BAROMETER_FORM_ID, "2026-10-06"): [[B1]],
    (BAROMETER_FORM_ID, "2026-10-07"): [[B2, B1]],
    (BAROMETER_FORM_ID, "2026-10-08"): [[B3_PARTIAL]],
}
RESPONSE_INCOMPLETE = {
    (NPS_FORM_ID, "2026-10-20"): [
        [
            response(
                "r99",
                landed="2026-10-20 09:00",
                submitted="2026-10-20 09:01",
                hidden={"user_id": "u9"},
                score=0,
                reason="invoice",
            )
        ]
    ],
}


# --------------------------------------------------------------------------------------------
# writing the raw zone


def _write_gzip_lines(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as handle:
        for record in records:
            handle.write(json.dumps(record).encode("utf-8") + b"\n")


def _interval(dt: str) -> tuple[datetime, datetime]:
    start = datetime.combine(date.fromisoformat(dt), datetime.min.time(), tzinfo=UTC)
    return start, start + timedelta(days=1)


def _write_pages(partition: Path, pages: list[list[dict[str, Any]]]) -> None:
    for number, page in enumerate(pages):
        _write_gzip_lines(partition / f"part-{number:05d}.jsonl.gz", page)


# How far each source is complete (raw/<source>/_watermark.json, naive UTC).
WATERMARKS = {"zendesk": datetime(2026, 10, 12), "typeform": datetime(2026, 10, 1)}


def write_raw_zone(raw_dir: Path) -> Path:
    """Write the whole fixture under raw_dir (the `raw/` folder of an INSIGHTS_HOME)."""
    zone = RawZone(raw_dir)
    for source, complete_through in WATERMARKS.items():
        write_json_atomic(
            raw_dir / source / "_watermark.json",
            {"source": source, "complete_through": utc_iso(complete_through.replace(tzinfo=UTC)), "updated_at": None},
        )
    for dt, pages in ZENDESK_PARTITIONS.items():
        partition = raw_dir / "zendesk" / "tickets" / f"dt={dt}"
        _write_pages(partition, pages)
        zone.write_manifest(partition, source="zendesk", stream="tickets", interval=_interval(dt))
    for dt, pages in ZENDESK_INCOMPLETE.items():
        _write_pages(raw_dir / "zendesk" / "tickets" / f"dt={dt}", pages)
    for dt, forms in FORM_PARTITIONS.items():
        partition = raw_dir / "typeform" / "forms" / f"dt={dt}"
        for form in forms:
            _write_gzip_lines(partition / f"form_id={form['id']}.jsonl.gz", [form])
        zone.write_manifest(partition, source="typeform", stream="forms", interval=_interval(dt))
    for (form_id, dt), pages in RESPONSE_PARTITIONS.items():
        partition = raw_dir / "typeform" / "responses" / f"form_id={form_id}" / f"dt={dt}"
        _write_pages(partition, pages)
        zone.write_manifest(partition, source="typeform", stream="responses", interval=_interval(dt))
    for (form_id, dt), pages in RESPONSE_INCOMPLETE.items():
        _write_pages(raw_dir / "typeform" / "responses" / f"form_id={form_id}" / f"dt={dt}", pages)
    return raw_dir


def complete_ticket_versions() -> list[dict[str, Any]]:
    """Every ticket line of the complete partitions, in raw-zone order."""
    return [t for pages in ZENDESK_PARTITIONS.values() for page in pages for t in page]


def complete_forms() -> list[tuple[str, dict[str, Any]]]:
    """(partition dt, definition) of every form line of the complete partitions."""
    return [(dt, form) for dt, forms in FORM_PARTITIONS.items() for form in forms]


def complete_responses() -> list[tuple[str, dict[str, Any]]]:
    """(form_id, response item) of every response line of the complete partitions."""
    return [(form_id, item) for (form_id, _dt), pages in RESPONSE_PARTITIONS.items() for page in pages for item in page]

"""The workspace configuration: tracking plan, product areas, keywords and settings.

Format: shared spec sources.md section 4. Everything is validated on load, and every
error names the file, the entry and the field, so a bad config fails before any run.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from insights.settings import DBT_PROJECT_DIR

DEFAULT_NAMING_RULE = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$"
PROPERTY_TYPES = ("string", "number", "integer", "boolean")
EVENT_STATUSES = ("active", "deprecated", "planned")
SETTING_NAMES = (
    "internal_email_domains", "activation_event", "reporting_timezone", "late_event_lookback_days",
    "hygiene_window_days",
)


def _default_settings() -> dict[str, Any]:
    """The settings' defaults have one home: the `vars:` of dbt_project.yml, which also keep `dbt parse`
    working on its own. activation_event has none here: a workspace must name it (settings.yml)."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return {**{name: project["vars"][name] for name in SETTING_NAMES}, "activation_event": None}


DEFAULT_SETTINGS: dict[str, Any] = _default_settings()


class WorkspaceConfigError(ValueError):
    """A workspace config file is missing or invalid; the message names file and field."""


@dataclass(frozen=True)
class PlannedProperty:
    name: str
    type: str
    required: bool = False
    allowed: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PlannedEvent:
    name: str
    feature: str
    owner: str
    status: str
    counts_as_active: bool
    properties: tuple[PlannedProperty, ...] = ()


@dataclass(frozen=True)
class TrackingPlan:
    naming_rule: str
    events: tuple[PlannedEvent, ...]

    def event(self, name: str) -> PlannedEvent | None:
        return next((e for e in self.events if e.name == name), None)


@dataclass(frozen=True)
class ProductArea:
    area: str
    team: str
    pm: str


@dataclass(frozen=True)
class BarometerInvitee:
    """A PM invited to an edition of the product barometer (barometer_invitees.csv)."""

    edition: str
    pm_email: str


@dataclass(frozen=True)
class Workspace:
    config_dir: Path
    tracking_plan: TrackingPlan
    product_areas: tuple[ProductArea, ...]
    area_keywords: tuple[tuple[str, str], ...]
    settings: dict[str, Any] = field(default_factory=dict)
    barometer_invitees: tuple[BarometerInvitee, ...] = ()

    def dbt_vars(self) -> dict[str, Any]:
        """Settings as dbt vars (the names metrics.md uses)."""
        return dict(self.settings)


def _fail(path: Path, where: str, message: str) -> WorkspaceConfigError:
    return WorkspaceConfigError(f"{path}: {where}: {message}")


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise WorkspaceConfigError(f"{path}: file not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise WorkspaceConfigError(f"{path}: invalid YAML: {exc}") from exc


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    if not path.is_file():
        raise WorkspaceConfigError(f"{path}: file not found")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise _fail(path, "header", f"missing column(s) {', '.join(missing)}")
        rows = []
        for line_no, row in enumerate(reader, start=2):
            for column in columns:
                if not (row.get(column) or "").strip():
                    raise _fail(path, f"line {line_no}", f"empty value in column {column!r}")
            rows.append({c: row[c].strip() for c in columns})
        return rows


def _parse_property(path: Path, event: str, index: int, raw: Any) -> PlannedProperty:
    where = f"event {event!r}, properties[{index}]"
    if not isinstance(raw, dict) or not raw.get("name"):
        raise _fail(path, where, "each property needs a 'name'")
    ptype = raw.get("type")
    if ptype not in PROPERTY_TYPES:
        raise _fail(path, f"{where} ({raw['name']})", f"field 'type' is {ptype!r}, expected one of {PROPERTY_TYPES}")
    allowed = raw.get("allowed")
    if allowed is not None and not isinstance(allowed, list):
        raise _fail(path, f"{where} ({raw['name']})", "field 'allowed' must be a list")
    return PlannedProperty(
        name=str(raw["name"]),
        type=ptype,
        required=bool(raw.get("required", False)),
        allowed=tuple(str(v) for v in allowed) if allowed is not None else None,
    )


def _parse_event(path: Path, index: int, raw: Any) -> PlannedEvent:
    if not isinstance(raw, dict) or not raw.get("name"):
        raise _fail(path, f"events[{index}]", "each event needs a 'name'")
    name = str(raw["name"])
    where = f"events[{index}] ({name})"
    for key in ("feature", "owner"):
        if not raw.get(key):
            raise _fail(path, where, f"missing field {key!r}")
    status = raw.get("status", "active")
    if status not in EVENT_STATUSES:
        raise _fail(path, where, f"field 'status' is {status!r}, expected one of {EVENT_STATUSES}")
    counts = raw.get("counts_as_active", False)
    if not isinstance(counts, bool):
        raise _fail(path, where, "field 'counts_as_active' must be true or false")
    props = raw.get("properties") or []
    if not isinstance(props, list):
        raise _fail(path, where, "field 'properties' must be a list")
    return PlannedEvent(
        name=name,
        feature=str(raw["feature"]),
        owner=str(raw["owner"]),
        status=status,
        counts_as_active=counts,
        properties=tuple(_parse_property(path, name, i, p) for i, p in enumerate(props)),
    )


def load_tracking_plan(path: Path) -> TrackingPlan:
    doc = _read_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
        raise _fail(path, "top level", "expected a mapping with an 'events' list")
    rule = str(doc.get("naming_rule") or DEFAULT_NAMING_RULE)
    try:
        re.compile(rule)
    except re.error as exc:
        raise _fail(path, "naming_rule", f"not a valid regular expression: {exc}") from exc
    events = tuple(_parse_event(path, i, e) for i, e in enumerate(doc["events"]))
    seen: set[str] = set()
    for event in events:
        if event.name in seen:
            raise _fail(path, f"event {event.name!r}", "defined twice")
        seen.add(event.name)
    return TrackingPlan(naming_rule=rule, events=events)


def load_settings_file(path: Path) -> dict[str, Any]:
    doc = _read_yaml(path) or {}
    if not isinstance(doc, dict):
        raise _fail(path, "top level", "expected a mapping")
    settings = {**DEFAULT_SETTINGS, **doc}
    domains = settings["internal_email_domains"]
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        raise _fail(path, "internal_email_domains", "must be a list of domain names")
    settings["internal_email_domains"] = [d.strip().lower() for d in domains]
    for key in ("late_event_lookback_days", "hygiene_window_days"):
        value = settings[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise _fail(path, key, f"must be a positive integer, got {value!r}")
    if not settings["activation_event"]:
        raise _fail(path, "activation_event", "missing")
    return settings


BAROMETER_INVITEES_FILE = "barometer_invitees.csv"
_EDITION = re.compile(r"^[0-9]{4}-H[12]$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def load_barometer_invitees(path: Path) -> tuple[BarometerInvitee, ...]:
    """The PMs invited to each barometer edition; optional file (absent: nobody is invited)."""
    if not path.is_file():
        return ()
    rows = _read_csv(path, ("edition", "pm_email"))
    invitees: list[BarometerInvitee] = []
    seen: set[tuple[str, str]] = set()
    for line_no, row in enumerate(rows, start=2):
        edition, email = row["edition"], row["pm_email"].lower()
        where = f"line {line_no}"
        if not _EDITION.match(edition):
            raise _fail(path, f"{where}, field 'edition'", f"{edition!r} is not an edition like 2026-H1")
        if not _EMAIL.match(email):
            raise _fail(path, f"{where}, field 'pm_email'", f"{row['pm_email']!r} is not an email address")
        if (edition, email) in seen:
            raise _fail(path, where, f"{email} is listed twice for edition {edition}")
        seen.add((edition, email))
        invitees.append(BarometerInvitee(edition, email))
    return tuple(invitees)


def config_fingerprint(config_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """(name, mtime, size) of each file of a config folder: what tells a changed config from the one read."""
    if not config_dir.is_dir():
        return ()
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(config_dir.iterdir()) if p.is_file())


def load_workspace(config_dir: Path) -> Workspace:
    """Read and validate the workspace config of ``config_dir``. A run reads it once, through its
    ``Settings.workspace`` (insights.settings), and passes that down to its steps."""
    config_dir = Path(config_dir).resolve()
    plan = load_tracking_plan(config_dir / "tracking_plan.yml")
    areas = _read_csv(config_dir / "product_areas.csv", ("area", "team", "pm"))
    keywords = _read_csv(config_dir / "product_area_keywords.csv", ("area", "keyword"))
    settings = load_settings_file(config_dir / "settings.yml")
    return Workspace(
        config_dir=config_dir,
        tracking_plan=plan,
        product_areas=tuple(ProductArea(**row) for row in areas),
        area_keywords=tuple((row["area"], row["keyword"]) for row in keywords),
        settings=settings,
        barometer_invitees=load_barometer_invitees(config_dir / BAROMETER_INVITEES_FILE),
    )

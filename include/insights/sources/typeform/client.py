"""Typeform forms and responses -> the raw zone.

- ``raw/typeform/forms/dt=<a>/form_id=<id>.jsonl.gz``: one line, the form definition
  (``GET /forms/{id}``) as of the run; every form of ``GET /forms`` (paged).
- ``raw/typeform/responses/form_id=<id>/dt=<a>/part-NNNNN.jsonl.gz``: the responses of interval
  [a, b) asked with ``since = a - 30 min`` and ``until = b`` (the lookback covers responses that
  were not visible yet when the previous interval ran; the warehouse deduplicates on
  ``response_id``), ``page_size=1000``, newest first, paged with the ``before`` token (no
  ``sort``, which cannot be combined with it) until an empty page.

The state records the form list, the form being paged, its ``before`` token and next part
number after every page, so a killed run resumes at the page it was on.

Validation: the response schema (dbt sources YAML, ``insights.extraction.schema``), ``response_id`` or
``token``, answer values the warehouse casts (a number answer is a number, a boolean a boolean),
and an answer to an NPS question of the form (its definition says which) is an integer 0..10: a
response breaking one of them is quarantined, naming the answer (``answers[2].number``).

Availability: Typeform serves a response about 30 minutes after ``submitted_at``. What is there
lands (the 30-minute lookback of the next interval picks up the rest, the warehouse deduplicates);
the run covers [a - 30 min, min(b, server time - 30 min)), judged on the ``Date`` of its first page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from insights.extraction.context import PendingManifest, RunContext
from insights.extraction.http import SourceHTTPError, raise_for_status, response_json
from insights.extraction.landing import RecordFileWriter, dt_dir, utc_iso
from insights.extraction.schema import stream_schema
from insights.sources.typeform import SPEC

FORMS_PATH = "/forms"
FORMS_PAGE_SIZE = 200
PAGE_SIZE = 1000
# How long after submitted_at Typeform serves a response (declared once, here); the lookback of
# an interval is the same span: it re-asks what the previous interval could not see yet.
AVAILABILITY_DELAY = SPEC.availability_delay
LOOKBACK = AVAILABILITY_DELAY
FORM_ID = re.compile(r"^[A-Za-z0-9_-]+$")
NPS_SCALE = range(0, 11)  # metrics.md: an NPS answer is 0..10


def validate_form(record: Any) -> tuple[str, str] | None:
    return stream_schema("typeform", "forms").validate(record)


def nps_field_ids(definition: Any) -> list[str]:
    """Ids of the form's NPS questions, groups included (the definition is what identifies them)."""

    def walk(fields: Any) -> Iterator[dict[str, Any]]:
        for item in fields if isinstance(fields, list) else []:
            if isinstance(item, dict):
                yield item
                properties = item.get("properties")
                yield from walk(properties.get("fields") if isinstance(properties, dict) else None)

    fields = definition.get("fields") if isinstance(definition, dict) else None
    return [f["id"] for f in walk(fields) if f.get("type") == "nps" and isinstance(f.get("id"), str)]


def _check_answers(answers: Any, nps_ids: frozenset[str]) -> tuple[str, str] | None:
    """Answer values the warehouse casts, and NPS answers on the 0..10 scale."""
    for index, answer in enumerate(answers if isinstance(answers, list) else []):
        if not isinstance(answer, dict):
            return (f"answer {index} is not an object", f"answers[{index}]")
        field_info = answer.get("field") if isinstance(answer.get("field"), dict) else {}
        number = answer.get("number")
        if "number" in answer and (isinstance(number, bool) or not isinstance(number, (int, float))
                                   or not math.isfinite(number)):
            return (f"answer {index}: 'number' is {number!r}, expected a number", f"answers[{index}].number")
        if "boolean" in answer and not isinstance(answer["boolean"], bool):
            return (f"answer {index}: 'boolean' is {answer['boolean']!r}, expected true or false",
                    f"answers[{index}].boolean")
        is_nps = field_info.get("id") in nps_ids or field_info.get("type") == "nps"
        if is_nps and (not isinstance(number, int) or isinstance(number, bool) or number not in NPS_SCALE):
            return (
                f"NPS answer {number!r} (question {field_info.get('id')!r}) is outside the 0..10 scale",
                f"answers[{index}].number",
            )
    return None


def response_validator(nps_ids: list[str] | None = None) -> Callable[[Any], tuple[str, str] | None]:
    """The validator of one form's responses (its NPS questions: ``nps_ids``)."""
    schema = stream_schema("typeform", "responses")
    nps = frozenset(nps_ids or ())

    def validate(record: Any) -> tuple[str, str] | None:
        if not isinstance(record, dict):
            return schema.validate(record)
        if not any(isinstance(record.get(k), str) and record.get(k) for k in ("response_id", "token")):
            present = next((k for k in ("response_id", "token") if k in record), None)
            if present is None:
                return ("missing required key 'response_id' (or 'token')", "response_id")
            return (f"required key {present!r} is {record[present]!r}, expected a non-empty string", present)
        return schema.validate(record) or _check_answers(record.get("answers"), nps)

    return validate


def validate_response(record: Any) -> tuple[str, str] | None:
    """A response needs ``response_id`` or, failing that, ``token`` (the same value in the API), and
    must pass the response schema; NPS answers are checked per form (``response_validator``)."""
    return response_validator()(record)


def response_token(record: dict[str, Any]) -> str | None:
    for key in ("token", "response_id"):
        value = record.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def forms_partition(ctx: RunContext) -> Path:
    return ctx.zone.path("typeform", "forms", dt_dir(ctx.start.date()))


def responses_partition(ctx: RunContext, form_id: str) -> Path:
    return ctx.zone.path("typeform", "responses", f"form_id={form_id}", dt_dir(ctx.start.date()))


class FormGone(Exception):
    """404 on a form listed at the start of the run: it was deleted meanwhile."""


def _get_json(ctx: RunContext, path: str, params: dict[str, Any] | None = None) -> Any:
    response = ctx.session.get(ctx.url(path), params=params)
    ctx.served_at(response)  # the vendor's clock: the earliest answer bounds what the run covered
    if response.status_code == 404 and path.startswith(f"{FORMS_PATH}/"):
        raise FormGone(path)
    raise_for_status(response, "typeform")
    return response_json(response, "typeform")


def list_forms(ctx: RunContext) -> list[str]:
    ids: list[str] = []
    page = 1
    while True:
        body = _get_json(ctx, FORMS_PATH, {"page": page, "page_size": FORMS_PAGE_SIZE})
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise SourceHTTPError(f"typeform: GET {FORMS_PATH}?page={page}: response has no 'items' list")
        for item in items:
            form_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(form_id, str) or not FORM_ID.match(form_id):
                raise SourceHTTPError(
                    f"typeform: GET {FORMS_PATH}?page={page}: form item has no usable 'id' ({form_id!r})"
                )
            if form_id not in ids:
                ids.append(form_id)
        if not items or page >= int(body.get("page_count") or 0):
            return ids
        page += 1


def land_definitions(ctx: RunContext, form_ids: list[str]) -> dict[str, list[str]]:
    """Land each form's definition; returns each form's NPS question ids."""
    partition = forms_partition(ctx)
    ctx.zone.open_partition(partition)
    nps: dict[str, list[str]] = {}
    for form_id in form_ids:
        path = f"{FORMS_PATH}/{form_id}"
        try:
            definition = _get_json(ctx, path)
        except FormGone:
            ctx.log.warning("typeform: form %s was listed but is gone (404): no definition landed", form_id)
            continue
        nps[form_id] = nps_field_ids(definition)
        with RecordFileWriter(ctx.zone, partition / f"form_id={form_id}.jsonl.gz", validate_form, ctx.stats) as w:
            w.add_record(definition, f"GET {path}", 1)
            w.commit()
        ctx.progress(f"form definition {form_id}", w.rows, len(w.quarantined))
    return nps


def _part_number(path: Path) -> int | None:
    stem = path.name.removesuffix(".jsonl.gz")
    digits = stem.removeprefix("part-")
    return int(digits) if stem.startswith("part-") and digits.isdigit() else None


def land_responses(ctx: RunContext, form_id: str, progress: dict[str, Any]) -> None:
    """Page one form's responses of the interval into its partition, saving state after each page."""
    partition = responses_partition(ctx, form_id)
    validate = response_validator((progress.get("nps_fields") or {}).get(form_id))
    if not progress["form_started"]:
        ctx.zone.clear_partition(partition)
        progress["form_started"] = True
        ctx.save_progress()
    else:
        # Resuming this form: parts at or past the resume point come back with their page.
        ctx.zone.open_partition(partition)
        for path in ctx.zone.data_files(partition):
            number = _part_number(path)
            if number is not None and number >= progress["next_part"]:
                path.unlink()
                ctx.zone.quarantine_path(path).unlink(missing_ok=True)
    since, until = utc_iso(ctx.start - LOOKBACK), utc_iso(ctx.end)
    path = f"{FORMS_PATH}/{form_id}/responses"
    while True:
        params: dict[str, Any] = {"page_size": PAGE_SIZE, "since": since, "until": until}
        if progress["before"]:
            params["before"] = progress["before"]
        try:
            body = _get_json(ctx, path, params)
        except FormGone:
            # Deleted forms take their responses with them (no markers): the partition stays empty.
            ctx.log.warning("typeform: form %s is gone (404): its responses of the interval are empty", form_id)
            break
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise SourceHTTPError(f"typeform: GET {path}: response has no 'items' list")
        if not items:
            break
        source_file = f"GET {path}?before={progress['before'] or ''}"
        target = partition / f"part-{progress['next_part']:05d}.jsonl.gz"
        with RecordFileWriter(ctx.zone, target, validate, ctx.stats) as writer:
            for line, item in enumerate(items, start=1):
                writer.add_record(item, source_file, line)
            landed = writer.commit()
        token = next((t for t in (response_token(i) for i in reversed(items) if isinstance(i, dict)) if t), None)
        if token is None or token == progress["before"]:
            raise SourceHTTPError(
                f"typeform: GET {path} (before={progress['before']!r}): the page's last response has no "
                "usable token, paging cannot continue"
            )
        if landed is not None or writer.quarantined:
            progress["next_part"] += 1
        progress["before"] = token
        progress["pages"] += 1
        ctx.save_progress()
        ctx.progress(f"form {form_id} page {progress['pages']}", writer.rows, len(writer.quarantined))
    progress.setdefault("cursors", {})[form_id] = progress["before"]


def _clear_all_response_partitions(ctx: RunContext) -> None:
    """A fresh run of the interval replaces it: also forget forms that no longer exist."""
    root = ctx.zone.path("typeform", "responses")
    for partition in root.glob(f"form_id=*/{dt_dir(ctx.start.date())}"):
        ctx.zone.clear_partition(partition)


def extract(ctx: RunContext) -> None:
    progress = ctx.state.in_progress_for(ctx.start, ctx.end)
    if progress is None:
        progress = ctx.state.begin(
            ctx.start,
            ctx.end,
            forms=None,
            definitions_done=False,
            nps_fields={},
            form_index=0,
            form_started=False,
            before=None,
            next_part=1,
            pages=0,
            cursors={},
        )
        ctx.zone.clear_partition(forms_partition(ctx))
        _clear_all_response_partitions(ctx)
    else:
        ctx.log.info("typeform: resuming %s at form #%d", progress["interval"], progress["form_index"])
        ctx.resume_stats(progress)
    if progress["forms"] is None:
        progress["forms"] = list_forms(ctx)
        ctx.save_progress()
        ctx.log.debug("typeform: %d forms: %s", len(progress["forms"]), ", ".join(progress["forms"]))
    if not progress["definitions_done"]:
        progress["nps_fields"] = land_definitions(ctx, progress["forms"])
        progress["definitions_done"] = True
        ctx.save_progress()
    forms: list[str] = progress["forms"]
    while progress["form_index"] < len(forms):
        land_responses(ctx, forms[progress["form_index"]], progress)
        progress.update(form_index=progress["form_index"] + 1, form_started=False, before=None, next_part=1)
        ctx.save_progress()
    interval = (ctx.start, ctx.end)
    since, until = utc_iso(ctx.start - LOOKBACK), utc_iso(ctx.end)
    ctx.manifests.append(PendingManifest(forms_partition(ctx), "forms", interval, extra={"form_ids": forms}))
    for form_id in forms:
        ctx.manifests.append(
            PendingManifest(
                responses_partition(ctx, form_id),
                "responses",
                interval,
                cursor=(progress.get("cursors") or {}).get(form_id),
                extra={"form_id": form_id, "since": since, "until": until},
            )
        )
    ctx.cover_until_served(ctx.start - LOOKBACK, ctx.earliest_served_at(), AVAILABILITY_DELAY, "responses submitted")
    ctx.finished = True

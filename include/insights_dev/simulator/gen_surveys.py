"""Typeform forms and responses: a monthly in-app NPS survey and a semestrial PM barometer."""

from __future__ import annotations

import random
import string
from datetime import date, datetime, time, timedelta

from insights.workspace import Workspace
from insights_dev.simulator.config import WorldConfig
from insights_dev.simulator.population import FIRST_NAMES, LAST_NAMES, Population, User
from insights_dev.simulator.texts import FeedbackTexts

NPS_FORM_ID = "nPs7Kq2W"
BAROMETER_FORM_ID = "pmB4r0mT"
THEMES = ("discovery", "strategy", "delivery", "measurement", "collaboration")
CHOICES = ("Projects", "Tasks", "Dashboards", "Integrations", "Mobile app")
USER_AGENT = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Safari/605.1.15"


def _iso(moment: datetime | None) -> str | None:
    """`2026-01-05T10:38:52Z` from a naive UTC datetime (isoformat is much faster than strftime)."""
    return moment.isoformat(timespec="seconds") + "Z" if moment is not None else None


def _field_id(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_letters + string.digits, k=12))


def _token(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_lowercase + string.digits, k=32))


def _form(form_id: str, title: str, fields: list[dict], hidden: list[str], created: datetime) -> dict:
    return {
        "id": form_id,
        "type": "form",
        "title": title,
        "workspace": {"href": "https://api.typeform.com/workspaces/acme"},
        "theme": {"href": "https://api.typeform.com/themes/qHWOQ7"},
        "settings": {"language": "en", "progress_bar": "proportion", "is_public": True},
        "hidden": hidden,
        "fields": fields,
        "created_at": _iso(created),
        "last_updated_at": _iso(created),
        "_links": {"display": f"https://acme-insights.typeform.com/to/{form_id}"},
    }


def _answer(field: dict, value: object) -> dict:
    ref = {"id": field["id"], "type": field["type"], "ref": field["ref"]}
    if field["type"] in ("nps", "opinion_scale"):
        return {"field": ref, "type": "number", "number": value}
    if field["type"] == "multiple_choice":
        choice = next(c for c in field["properties"]["choices"] if c["label"] == value)
        return {"field": ref, "type": "choice", "choice": {"id": choice["id"], "label": value, "ref": choice["ref"]}}
    return {"field": ref, "type": "text", "text": value}


def _response(
    rng: random.Random,
    form_id: str,
    landed: datetime,
    submitted: datetime | None,
    hidden: dict,
    answers: list[dict],
) -> dict:
    token = _token(rng)
    return {
        "landed_at": _iso(landed),
        "submitted_at": _iso(submitted),
        "response_id": token,
        "token": token,
        "response_type": "completed" if submitted else "partial",
        "metadata": {
            "user_agent": USER_AGENT,
            "platform": "other",
            "referer": f"https://acme-insights.typeform.com/to/{form_id}",
            "network_id": "".join(rng.choices("0123456789abcdef", k=10)),
            "browser": "default",
        },
        "hidden": hidden,
        "calculated": {"score": 0},
        "variables": [],
        "answers": answers,
    }


def _moment(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(8)) + timedelta(seconds=rng.uniform(0, 12 * 3600))


def _nps_score(rng: random.Random, plan: str) -> int:
    weights = {"enterprise": (1, 1, 1, 1, 1, 2, 3, 6, 12, 18, 20), "pro": (2, 1, 2, 2, 3, 5, 6, 9, 12, 10, 8)}
    return rng.choices(range(11), weights=weights.get(plan, (4, 2, 3, 3, 4, 7, 8, 10, 10, 7, 5)))[0]


def nps_survey(
    config: WorldConfig, population: Population, texts: FeedbackTexts, rng: random.Random
) -> tuple[dict, list[dict]]:
    fields = [
        {"id": _field_id(rng), "ref": "nps_score", "type": "nps",
         "title": "How likely are you to recommend Acme Insights to a colleague?",
         "properties": {"start_at_one": False}, "validations": {"required": False}},
        {"id": _field_id(rng), "ref": "main_reason", "type": "long_text",
         "title": "What is the main reason for your score?", "validations": {"required": False}},
        {"id": _field_id(rng), "ref": "most_used", "type": "multiple_choice",
         "title": "Which part of the product do you use most?",
         "properties": {"choices": [{"id": _field_id(rng), "ref": c.lower().replace(" ", "_"), "label": c}
                                    for c in CHOICES]},
         "validations": {"required": False}},
    ]  # fmt: skip
    nps_field, reason_field, choice_field = fields
    form = _form(
        NPS_FORM_ID,
        "How are we doing?",
        fields,
        ["user_id", "plan"],
        datetime.combine(config.start, time(0)) - timedelta(days=30),
    )
    last_day = config.start + timedelta(days=config.days - 1)

    def presence(user: User) -> tuple[date, date]:
        until = last_day if user.churn_day is None else min(last_day, user.churn_day - timedelta(days=1))
        return max(config.start, user.signup_day), until

    candidates = [u for u in population.users if u.kind != "internal" and presence(u)[0] <= presence(u)[1]]
    n = max(10, round(len(candidates) * config.nps_respondent_share))
    respondents = rng.sample(candidates, min(n, len(candidates)))
    responses = []
    for position, user in enumerate(respondents):
        present_from, present_to = presence(user)
        day = present_from + timedelta(days=rng.randint(0, (present_to - present_from).days))
        moments = [_moment(rng, day)]
        if position == 0 or rng.random() < config.nps_repeat_share:
            # Answers again later the same month (on the same day when the month ends first).
            later = min(present_to, day + timedelta(days=rng.randint(0, 12)))
            later = later if later.month == day.month else day
            moments.append(max(moments[0] + timedelta(hours=1), _moment(rng, later)))
        for moment in moments:
            responses.append(
                _nps_response(rng, config, texts, user, moment, position, (nps_field, reason_field, choice_field))
            )
    responses.sort(key=lambda r: r["submitted_at"] or r["landed_at"])
    return form, responses


def _nps_response(
    rng: random.Random,
    config: WorldConfig,
    texts: FeedbackTexts,
    user: User,
    submitted: datetime,
    position: int,
    fields: tuple[dict, dict, dict],
) -> dict:
    nps_field, reason_field, choice_field = fields
    # The first respondents are scripted so that every quirk exists even in a tiny world:
    # 1 no user_id, 2 partial, 3 completed without a score, 4 two areas named, 5-6 word-boundary traps
    # ("Projects", "reporting"), 7 a text naming no area. Later ones draw the quirks by share.
    scripted = position < 8
    hidden = {"user_id": user.user_id, "plan": user.plan}
    if position == 1 or (not scripted and rng.random() < config.nps_missing_user_id_share):
        del hidden["user_id"]  # opened from a link outside the app: no user_id
    partial = position == 2 or (not scripted and rng.random() < config.nps_partial_share)
    answers = []
    if position != 3 and (partial or rng.random() < 0.95):
        answers.append(_answer(nps_field, _nps_score(rng, user.plan)))
    scripted_texts = {
        4: lambda: texts.about_two(rng),
        5: lambda: texts.trap(rng, 0),
        6: lambda: texts.trap(rng, 1),
        7: lambda: texts.unrouted(rng),
    }
    if position in scripted_texts:
        answers.append(_answer(reason_field, scripted_texts[position]()))
    elif rng.random() < 0.7:
        answers.append(_answer(reason_field, texts.free_text(rng)))
    if not partial and rng.random() < 0.8:
        answers.append(_answer(choice_field, rng.choice(CHOICES)))
    if partial and not answers:
        answers.append(_answer(nps_field, _nps_score(rng, user.plan)))
    landed = submitted - timedelta(seconds=rng.uniform(40, 400))
    return _response(rng, NPS_FORM_ID, landed, None if partial else submitted, hidden, answers)


def barometer_survey(
    config: WorldConfig, workspace: Workspace, texts: FeedbackTexts, rng: random.Random
) -> tuple[dict, list[dict]]:
    fields = [
        {"id": _field_id(rng), "ref": theme, "type": "opinion_scale",
         "title": f"How mature is your team's {theme} practice?",
         "properties": {"steps": 5, "start_at_one": True}, "validations": {"required": True}}
        for theme in THEMES
    ]  # fmt: skip
    pain = {
        "id": _field_id(rng),
        "ref": "pain_point",
        "type": "long_text",
        "title": "What is your biggest pain point as a PM right now?",
        "validations": {"required": False},
    }
    form = _form(
        BAROMETER_FORM_ID,
        "Product barometer",
        [*fields, pain],
        ["pm_email", "edition"],
        datetime.combine(config.start, time(0)) - timedelta(days=200),
    )
    pms = sorted({a.pm for a in workspace.product_areas})
    domain = (workspace.settings.get("internal_email_domains") or ["acme-insights.com"])[0]
    for n in range(config.barometer_extra_pms):
        pms.append(
            f"{FIRST_NAMES[(7 * n + 3) % len(FIRST_NAMES)]}.{LAST_NAMES[(5 * n + 2) % len(LAST_NAMES)]}@{domain}"
        )
    year = config.start.year
    editions = (
        (f"{year}-H1", 0, min(10, config.days)),  # fielded in the first 10 days
        (f"{year}-H2", max(0, config.days - 20), config.days),  # and in the last 20 days
    )
    responses = []
    for edition, first_offset, end_offset in editions:
        answering = [pm for pm in pms if rng.random() < config.barometer_answer_share]
        if not answering:
            answering = pms[:1]
        if len(answering) == len(pms) and len(pms) > 1:
            answering = answering[1:]  # not every invited PM answers
        for pm in answering:
            day = config.start + timedelta(days=rng.randrange(first_offset, end_offset))
            submitted = _moment(rng, day)
            partial = rng.random() < 0.1
            answered = fields[: rng.randint(1, len(fields) - 1)] if partial else fields
            answers = [_answer(f, rng.randint(1, 5)) for f in answered]
            if not partial and rng.random() < 0.8:
                answers.append(_answer(pain, texts.free_text(rng)))
            landed = submitted - timedelta(seconds=rng.uniform(60, 600))
            hidden = {"pm_email": pm, "edition": edition}
            responses.append(_response(rng, BAROMETER_FORM_ID, landed, None if partial else submitted, hidden, answers))
    responses.sort(key=lambda r: r["submitted_at"] or r["landed_at"])
    return form, responses

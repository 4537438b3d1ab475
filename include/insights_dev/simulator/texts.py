"""Feedback texts for tickets and survey answers, built from the workspace's area keywords.

Three families, in modest shares: texts naming one or two areas' keywords; word-boundary traps
that contain a keyword only inside a longer word ("Projects" for `project`, "reporting" for
`report`), which must route nowhere; and texts that name no area at all.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict

from insights.workspace import Workspace

KEYWORD_TEMPLATES = (
    "The {kw} keeps timing out for our team.",
    "I like the {kw}, but it needs more options.",
    "We struggle with the {kw} every week.",
    "Please make the {kw} easier, it is confusing.",
    "Since the last update the {kw} is broken for me.",
)
TRAP_TEMPLATES = (
    "Not sure about the {word} part, it feels slow lately.",
    "{Word} were fine before, now everything takes longer.",
)
FEATURED_TRAPS = ("Projects", "reporting")  # the traps metrics.md names: not `project`, not `report`
NO_AREA_TEXTS = (
    "Great tool overall, nothing to add.",
    "Support was friendly and quick.",
    "Too expensive for what we use.",
    "Works as expected.",
    "The new colours are hard to read.",
)
TICKET_SUBJECTS = ("Problem with {kw}", "Question about {kw}", "{Kw} not working", "Feature request: {kw}")


def _longer_words(keyword: str) -> list[str]:
    """`project` -> `Projects`; `report` -> `Reports`, `reporting`: the keyword inside a longer word."""
    if " " in keyword or keyword.endswith(("s", "ing")):
        return []
    words = [keyword.capitalize() + "s"]
    if keyword.endswith("t"):
        words.append(keyword + "ing")
    return words


class FeedbackTexts:
    def __init__(self, workspace: Workspace) -> None:
        self.keywords: dict[str, list[str]] = defaultdict(list)
        for area, keyword in workspace.area_keywords:
            self.keywords[area].append(keyword)
        self.areas = sorted({a.area for a in workspace.product_areas} | set(self.keywords))
        every = [k for ks in self.keywords.values() for k in ks]
        # Traps: a keyword extended into a longer word, checked not to match any keyword on word boundaries.
        self.traps = [
            word
            for keyword in every
            for word in _longer_words(keyword)
            if not any(re.search(rf"\b{re.escape(k)}\b", word, re.IGNORECASE) for k in every)
        ]

    def about(self, rng: random.Random, area: str) -> str:
        keyword = rng.choice(self.keywords.get(area) or [area])
        return rng.choice(KEYWORD_TEMPLATES).format(kw=keyword)

    def about_two(self, rng: random.Random) -> str:
        """A text naming two areas (routing keeps the alphabetically first)."""
        first, second = rng.sample(self.areas, 2) if len(self.areas) > 1 else (self.areas * 2)[:2]
        also = self.about(rng, second)
        return f"{self.about(rng, first)} Also, {also[0].lower()}{also[1:]}"

    def trap(self, rng: random.Random, featured: int | None = None) -> str:
        """A text holding a keyword only inside a longer word; `featured` picks FEATURED_TRAPS[n] when present."""
        preferred = [w for w in FEATURED_TRAPS if w in self.traps]
        if featured is not None and featured < len(preferred):
            word = preferred[featured]
        else:
            word = rng.choice(self.traps) if self.traps else "Thingamajigs"
        return rng.choice(TRAP_TEMPLATES).format(word=word, Word=word[0].upper() + word[1:])

    def unrouted(self, rng: random.Random) -> str:
        return rng.choice(NO_AREA_TEXTS)

    def free_text(self, rng: random.Random) -> str:
        """A survey answer: mostly one area, sometimes two, some traps, some about nothing."""
        roll = rng.random()
        if roll < 0.55:
            return self.about(rng, rng.choice(self.areas))
        if roll < 0.7:
            return self.about_two(rng)
        if roll < 0.85:
            return self.trap(rng)
        return self.unrouted(rng)

    def ticket_subject(self, rng: random.Random, area: str | None) -> str:
        keyword = rng.choice(self.keywords.get(area or "", []) or ["my account"])
        return rng.choice(TICKET_SUBJECTS).format(kw=keyword, Kw=keyword[0].upper() + keyword[1:])

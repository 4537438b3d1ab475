"""The RELIABILITY.md table: one row per fault the suite injected, written from the suite's results."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

BEGIN = "<!-- reliability-table:begin (written by the suite: python -m insights_dev.reliability) -->"
END = "<!-- reliability-table:end -->"


@dataclass(frozen=True)
class Outcome:
    fault: str
    family: str  # transport, data, world, crash, concurrency, secrets
    injected: int  # how many times the fault fired (0 means the test proved nothing)
    survived: bool  # the pipeline finished with the expected result (or refused clearly, as required)
    records_lost: int
    check: str  # what was compared

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def render_table(outcomes: list[Outcome]) -> str:
    lines = [
        "| fault | family | injected | survived | records lost | checked |",
        "|---|---|---:|---|---:|---|",
    ]
    for o in sorted(outcomes, key=lambda o: (o.family, o.fault)):
        lines.append(f"| {o.fault} | {o.family} | {o.injected} | {'yes' if o.survived else '**NO**'} | "
                     f"{o.records_lost} | {o.check} |")
    return "\n".join(lines)


def write_table(markdown: Path, outcomes: list[Outcome]) -> None:
    """Replace the table between the markers of ``markdown`` (the rest of the file is prose)."""
    text = markdown.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise ValueError(f"{markdown}: the markers {BEGIN!r} and {END!r} are missing")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    markdown.write_text(f"{head}{BEGIN}\n{render_table(outcomes)}\n{END}{tail}", encoding="utf-8")


def save_outcomes(path: Path, outcomes: list[Outcome]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([o.as_json() for o in outcomes], indent=2) + "\n", encoding="utf-8")

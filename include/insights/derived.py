"""Read-only attributes derived from other attributes of a frozen dataclass, declared in one line each.

    raw_dir = path_under("home", "raw")                   # self.home / "raw"
    next_schema = formatted("{self.schema}__next")        # f"{self.schema}__next"

Standard library only: source specs import it at DAG-parse time.
"""

from __future__ import annotations

from typing import Any


def path_under(base: str, *parts: str, doc: str | None = None) -> Any:
    """A property: the path attribute ``base`` joined with ``parts``."""
    return property(lambda self: getattr(self, base).joinpath(*parts), doc=doc)


def formatted(template: str, doc: str | None = None) -> Any:
    """A property: ``template`` formatted with the instance as ``self`` (attribute access allowed)."""
    return property(lambda self: template.format(self=self), doc=doc)

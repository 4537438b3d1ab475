"""Environment variables set for the duration of a block: what the code it calls reads (dbt's profiles, the
settings loader, the extractors' policy) comes from the environment, as in a separate process."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set `values` in os.environ; afterwards each key is back to its value before, or unset."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def env_value(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """The variable's value, stripped; None when unset or blank (every settings reader goes through this)."""
    value = (os.environ if env is None else env).get(name, "").strip()
    return value or None


def env_int(name: str, default: int, env: Mapping[str, str] | None = None) -> int:
    """An integer variable; ``default`` when unset or blank."""
    value = env_value(name, env)
    return int(value) if value is not None else default


def env_float(
    name: str,
    default: float,
    env: Mapping[str, str] | None = None,
    *,
    minimum: float = 0.0,
    maximum: float | None = None,
) -> float:
    """A number variable in [minimum, maximum]; ``default`` when unset or blank. Raises ValueError naming the
    variable and its value when it is not a number or out of range."""
    value = env_value(name, env)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError as exc:
        raise ValueError(f"environment variable {name}={value!r} is not a number") from exc
    if number < minimum or (maximum is not None and number > maximum):
        bounds = f"at least {minimum:g}" if maximum is None else f"between {minimum:g} and {maximum:g}"
        raise ValueError(f"environment variable {name}={value!r} must be {bounds}")
    return number

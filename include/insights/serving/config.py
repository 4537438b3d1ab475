"""Serving settings, read from the environment at publication time.

| variable | meaning | default |
|---|---|---|
| `INSIGHTS_SERVING_DSN` | Postgres serving database (`none`: no Postgres publication) | local server |
| `INSIGHTS_SERVING_SCHEMA` | schema BI readers query | `analytics` |
| `INSIGHTS_PM_READER_ROLE` | login role that may only read that schema | `pm_reader` |
| `INSIGHTS_PM_READER_PASSWORD` | its password, set on every publication when given | unset |
| `INSIGHTS_SERVING_LOCK_WAIT_SECONDS` | how long a publication waits for readers' locks | `120` |

The DSN itself lives in `insights.settings` (`Settings.serving_dsn`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from insights.derived import formatted
from insights.env_vars import env_value
from insights.serving.errors import PublishError

DEFAULT_SCHEMA = "analytics"
DEFAULT_READER_ROLE = "pm_reader"
DEFAULT_LOCK_WAIT_SECONDS = 120.0
# Lower-case identifiers only: they are used unquoted in docs and BI tools, and the
# `__next`/`__old` suffixes the swap adds must still fit Postgres' 63-byte names.
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,54}$")
# Schemas of the snapshot that hold the copied tables; the serving schema must not collide.
RESERVED_SCHEMAS = ("marts", "audit", "main", "raw", "staging", "intermediate", "seeds", "public")


def _check_identifier(variable: str, value: str) -> str:
    if not _IDENTIFIER.match(value):
        raise PublishError(
            f"{variable}={value!r}: expected a lower-case identifier (letters, digits, underscores; "
            "at most 55 characters, not starting with a digit)"
        )
    return value


@dataclass(frozen=True)
class ServingConfig:
    schema: str = DEFAULT_SCHEMA
    reader_role: str = DEFAULT_READER_ROLE
    reader_password: str | None = field(default=None, repr=False)
    lock_wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS

    next_schema = formatted("{self.schema}__next")
    old_schema = formatted("{self.schema}__old")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServingConfig:
        env = os.environ if env is None else env
        schema = _check_identifier(
            "INSIGHTS_SERVING_SCHEMA", env_value("INSIGHTS_SERVING_SCHEMA", env) or DEFAULT_SCHEMA
        )
        if schema in RESERVED_SCHEMAS:
            raise PublishError(
                f"INSIGHTS_SERVING_SCHEMA={schema!r}: reserved (a warehouse or snapshot schema); "
                f"choose another name, e.g. {DEFAULT_SCHEMA!r}"
            )
        role = _check_identifier(
            "INSIGHTS_PM_READER_ROLE",
            env_value("INSIGHTS_PM_READER_ROLE", env) or DEFAULT_READER_ROLE,
        )
        raw_wait = env_value("INSIGHTS_SERVING_LOCK_WAIT_SECONDS", env) or ""
        try:
            wait = float(raw_wait) if raw_wait else DEFAULT_LOCK_WAIT_SECONDS
        except ValueError:
            wait = -1.0
        if wait <= 0:
            raise PublishError(f"INSIGHTS_SERVING_LOCK_WAIT_SECONDS={raw_wait!r}: expected a positive number")
        return cls(
            schema=schema,
            reader_role=role,
            # Not stripped: a password may legitimately start or end with spaces.
            reader_password=env.get("INSIGHTS_PM_READER_PASSWORD") or None,
            lock_wait_seconds=wait,
        )

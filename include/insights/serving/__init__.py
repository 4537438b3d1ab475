"""Serving: what BI readers see. The governed marts are copied, never shared in place.

Modules:
    config     serving settings from the environment (schema, reader role, its password)
    tables     which warehouse tables are published and how their types map to Postgres
    snapshot   the read-only DuckDB snapshot, built in a new file and swapped in atomically
    postgres   the Postgres serving schema, loaded and swapped in one transaction; the reader role
    metadata   dbt descriptions attached to the published tables (comments BI tools show)
    metabase   one-shot wiring of the docker-compose Metabase to the serving schema

The entry point is `insights.publish.publish`.
"""

from insights.serving.errors import PublishError

__all__ = ["PublishError"]

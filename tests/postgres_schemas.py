"""The Postgres schemas of one test build: every schema of a build carries its INSIGHTS_PG_SCHEMA_PREFIX."""

from __future__ import annotations


def drop_prefixed_schemas(prefix: str) -> None:
    """Drop the Postgres schemas `<prefix>_*` a test build created."""
    import psycopg2

    from insights.warehouse.targets import PostgresParams

    params = PostgresParams.from_env()
    con = psycopg2.connect(
        host=params.host, port=params.port, user=params.user, password=params.password, dbname=params.dbname
    )
    try:
        with con.cursor() as cur:
            cur.execute(
                "select schema_name from information_schema.schemata where schema_name like %s", [prefix + "\\_%"]
            )
            for (name,) in cur.fetchall():
                cur.execute(f'drop schema "{name}" cascade')
        con.commit()
    finally:
        con.close()

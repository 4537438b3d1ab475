"""The PMs' BI server (Apache Superset) and its dashboards as code.

    python -m insights.bi up          # initialise, serve on 127.0.0.1:8088, provision; Ctrl-C stops it
    python -m insights.bi provision   # re-import the dashboards into a running server
    python -m insights.bi bundle DIR  # write the Superset import bundle (ZIP of YAML) without a server

The dashboards are defined in bi/dashboards/*.yml (insights.bi.definitions); the same definitions
provision Metabase (insights.serving.metabase).
"""

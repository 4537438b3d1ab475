"""Airflow DAGs extract_<source>: one nightly extraction DAG per registered source (insights.sources).

Each is built by insights.dag_toolkit.extract_dag; a source registered in insights.sources gets its DAG
here without an edit (the airflow dag-processor finds them in this module's globals).
"""

from insights.dag_toolkit import EXTRACT_SOURCES, extract_dag

for _source in EXTRACT_SOURCES:
    globals()[f"extract_{_source}"] = extract_dag(_source)

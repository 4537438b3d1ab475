"""Airflow DAG extract_zendesk: nightly extraction of zendesk into the raw zone.

The DAG is built by insights.dag_toolkit.extract_dag (shared by the three sources).
"""

from insights.dag_toolkit import extract_dag

dag = extract_dag("zendesk")

"""Airflow DAG extract_typeform: nightly extraction of typeform into the raw zone.

The DAG is built by insights.dag_toolkit.extract_dag (shared by the three sources).
"""

from insights.dag_toolkit import extract_dag

dag = extract_dag("typeform")

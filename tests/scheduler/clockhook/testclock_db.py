"""Airflow's metadata connections under test: Airflow compares some times with the database's now()
(runs due: `next_dagrun_create_after <= now()`), so the database clock moves with the processes' clock.
The search path puts the test's schema first and `testclock.now()` (real now() + the shift) before
pg_catalog's. Read by Airflow as [database] sql_alchemy_connect_args(_async)."""

SEARCH_PATH = "scheduler_meta,testclock,pg_catalog"
SYNC = {"options": f"-c search_path={SEARCH_PATH}"}
ASYNC = {"server_settings": {"search_path": SEARCH_PATH}}

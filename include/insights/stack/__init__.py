"""The local stack without Docker: the live simulator and Airflow's four processes under honcho.

    python -m insights.stack up | down | status      (make up / make down / make status)

`up` prepares Airflow's home (metadata DB, login), starts the processes of the repository's
Procfile under honcho in their own session, waits for the API, backfills the simulator's history
with Airflow's own backfill and prints where to log in. `down` stops honcho, which stops each
process's group; any group left is killed.
"""

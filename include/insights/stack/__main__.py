"""python -m insights.stack up|down|status: the local stack's commands (make up / make down / make status)."""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from insights.stack import supervisor
from insights.stack.airflow_api import AirflowApi
from insights.stack.config import ALL_DAGS, EXTRACT_DAGS, StackConfig
from insights.stack.snapshot import read_publication


def _password(config: StackConfig, env: dict[str, str]) -> str:
    """The Airflow login's password: INSIGHTS_AIRFLOW_PASSWORD, else the one in the passwords file,
    else a new random one written there (the simple auth manager reads that file)."""
    stored = json.loads(config.passwords_file.read_text()) if config.passwords_file.is_file() else {}
    password = env.get("INSIGHTS_AIRFLOW_PASSWORD") or stored.get(config.user) or secrets.token_urlsafe(12)
    if stored.get(config.user) != password:
        config.passwords_file.parent.mkdir(parents=True, exist_ok=True)
        config.passwords_file.write_text(json.dumps({**stored, config.user: password}) + "\n")
        config.passwords_file.chmod(0o600)
    return password


def _airflow(args: list[str], env: dict[str, str], log: Path) -> None:
    airflow = str(Path(sys.executable).with_name("airflow"))
    with log.open("ab") as out:
        completed = subprocess.run([airflow, *args], env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"`airflow {' '.join(args)}` failed (exit {completed.returncode}); see {log}")


def _prepare_world(config: StackConfig, env: dict[str, str]) -> None:
    """Generate the live world now (cached on disk), so the simulator answers as soon as it starts
    and no extraction meets a closed port."""
    from insights.env_vars import environment
    from insights.settings import load_settings
    from insights_dev.bundled_simulator import bundled_world, live_world_config_from_env

    with environment(env):
        bundled_world(load_settings(), live_world_config_from_env(config.today, config.history_days))


def up(config: StackConfig, wait_minutes: float) -> int:
    env = config.environment()
    if supervisor.read_pid(config) is not None:
        print(f"the stack is already running ({config.pid_file}); `make status` shows it, `make down` stops it")
        return 0
    config.run_dir.mkdir(parents=True, exist_ok=True)
    (config.home / "reports").mkdir(parents=True, exist_ok=True)
    password = _password(config, env)
    started = time.monotonic()
    print(f"stack home {config.home}; world {config.first_day}..{config.today} on the real clock")
    print("preparing Airflow's metadata DB and the simulator's world ...", flush=True)
    _airflow(["db", "migrate"], env, config.run_dir / "prepare.log")
    _prepare_world(config, env)
    pid = supervisor.start(config, env, config.processes())
    print(f"started honcho (pid {pid}) on the Procfile; its log: {config.log_file}", flush=True)
    api = AirflowApi(config.airflow_url, config.user, password)
    try:
        api.wait_healthy(timeout=240, alive=lambda: supervisor.read_pid(config) is not None)
        api.login()
        api.wait_for_dags(ALL_DAGS, timeout=300)
    except (TimeoutError, OSError) as exc:
        print(f"error: {exc}; see {config.log_file}", file=sys.stderr)
        return 1
    last_night = config.today - timedelta(days=1)
    backfill_history(api, config.first_day, last_night)
    print(
        f"""
Airflow UI   {config.airflow_url}   user {config.user}, password {password}
             (the password is in {config.passwords_file}; set INSIGHTS_AIRFLOW_PASSWORD to choose it)
simulator    {config.simulator_url}/_sim/meta
reports      {config.reports_url}   (built by the nightly gate and `make reports`)
published    {config.home / "published" / "insights.duckdb"}
`make status` shows the runs and the publication; `make down` stops everything.
ready in {time.monotonic() - started:.0f} s""",
        flush=True,
    )
    if wait_minutes <= 0:
        return 0
    return wait_for_publication(config, api, last_night, wait_minutes, started)


def backfill_history(api: AirflowApi, first_night: date, last_night: date) -> None:
    """Airflow's own backfill of each extraction DAG over the history (the warehouse build follows
    through the raw assets); nights the scheduler already ran are skipped."""
    for dag_id in EXTRACT_DAGS:
        outcome = api.create_backfill(dag_id, first_night, last_night)
        print(f"  {dag_id}: nights {first_night}..{last_night}: {outcome}", flush=True)


def backfill(config: StackConfig) -> int:
    """The backfill alone, against a running Airflow (docker compose's airflow-backfill service):
    INSIGHTS_AIRFLOW_URL, INSIGHTS_AIRFLOW_USER / INSIGHTS_AIRFLOW_PASSWORD; the history is the
    simulator's (the first day of its /_sim/meta at INSIGHTS_SIMULATOR_META_URL) up to yesterday."""
    import os

    import requests

    url = os.environ.get("INSIGHTS_AIRFLOW_URL") or config.airflow_url
    password = os.environ.get("INSIGHTS_AIRFLOW_PASSWORD") or _password(config, config.environment())
    api = AirflowApi(url, config.user, password)
    api.wait_healthy(timeout=300)
    api.wait_for_dags(ALL_DAGS, timeout=300)
    first_night = config.first_day
    meta_url = os.environ.get("INSIGHTS_SIMULATOR_META_URL") or f"{config.simulator_url}/_sim/meta"
    try:
        first_night = date.fromisoformat(requests.get(meta_url, timeout=30).json()["first_day"])
    except (requests.RequestException, KeyError, ValueError) as exc:
        print(f"simulator meta not readable ({exc}); backfilling {config.history_days} days", file=sys.stderr)
    backfill_history(api, first_night, config.today - timedelta(days=1))
    return 0


def wait_for_publication(config: StackConfig, api: AirflowApi, night, minutes: float, started: float) -> int:
    """Wait until a scheduler-made warehouse_build run succeeded and the snapshot's newest complete day
    is `night` (yesterday)."""
    print(f"waiting up to {minutes:.0f} min for the publication of {night} ...", flush=True)
    deadline = time.monotonic() + minutes * 60
    last_line = ""
    while time.monotonic() < deadline:
        builds = [r for r in api.dag_runs("warehouse_build") if r["run_type"] != "manual"]
        done = [r for r in builds if r["state"] == "success"]
        publication = read_publication(config.home / "published" / "insights.duckdb")
        line = f"warehouse_build runs: {len(done)} succeeded of {len(builds)}; " + (
            f"publication {publication.version}, newest complete day {publication.newest_complete_day}"
            if publication
            else "nothing published yet"
        )
        if line != last_line:
            print(f"  {time.monotonic() - started:4.0f} s  {line}", flush=True)
            last_line = line
        if done and publication and publication.newest_complete_day == night:
            print(
                f"published: night {night} in publication {publication.version} "
                f"({time.monotonic() - started:.0f} s after `up` started)"
            )
            return 0
        time.sleep(10)
    print(
        f"not published within {minutes:.0f} min; `make status` and {config.log_file} show where it is", file=sys.stderr
    )
    return 1


def down(config: StackConfig) -> int:
    if supervisor.read_pid(config) is None and not supervisor.started_processes(config):
        print("the stack is not running")
        return 0
    killed = supervisor.stop(config)
    left = [name for name, pgid in supervisor.started_processes(config).items() if supervisor.process_group_alive(pgid)]
    print("stopped" + (f" (killed after the grace period: {', '.join(killed)})" if killed else ""))
    if left:
        print(f"still running: {', '.join(left)}", file=sys.stderr)
        return 1
    return 0


def status(config: StackConfig) -> int:
    pid = supervisor.read_pid(config)
    print(f"stack home {config.home}")
    print(f"honcho     {'running, pid ' + str(pid) if pid else 'not running'}")
    for name, pgid in supervisor.started_processes(config).items():
        print(f"  {name:<14} pid {pgid:<8} {'up' if pid and supervisor.process_group_alive(pgid) else 'down'}")
    publication = read_publication(config.home / "published" / "insights.duckdb")
    print(
        "published  "
        + (
            f"version {publication.version}, newest complete day {publication.newest_complete_day}"
            if publication
            else "nothing yet"
        )
    )
    if pid is None:
        return 0
    env = config.environment()
    password = _password(config, env)
    api = AirflowApi(config.airflow_url, config.user, password)
    if not api.healthy():
        print(f"Airflow    {config.airflow_url} not answering")
        return 1
    print(f"Airflow    {config.airflow_url}  (user {config.user}, password {password})")
    for dag_id in ALL_DAGS:
        runs = api.dag_runs(dag_id)
        counts = Counter(f"{r['run_type']}:{r['state']}" for r in runs)
        print(f"  {dag_id:<18} " + (", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no runs"))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m insights.stack", description=__doc__)
    parser.add_argument("command", choices=("up", "down", "status", "backfill"))
    parser.add_argument(
        "--wait-minutes",
        type=float,
        default=0,
        help="with up: wait this long for yesterday's publication (0: return once started)",
    )
    args = parser.parse_args(argv)
    config = StackConfig.from_env()
    if args.command == "up":
        return up(config, args.wait_minutes)
    if args.command == "down":
        return down(config)
    if args.command == "backfill":
        return backfill(config)
    return status(config)


if __name__ == "__main__":
    sys.exit(main())

"""The `insights` command: demo, backfill, extract, build, kpis and the simulator."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from insights.settings import SOURCES, Settings, load_settings

if TYPE_CHECKING:
    from insights.extraction.extract import ExtractResult

log = logging.getLogger("insights")

AIRFLOW_DAGS_NIGHTLY = (*(f"extract_{source}" for source in SOURCES), "warehouse_build")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from exc


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected comma-separated names, got {text!r}")
    return names


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected an ISO timestamp, got {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _by_field(counts: dict[str, int]) -> str:
    """The run summary's breakdown of quarantined records, e.g. ` (session_id 1, answers[].number 2)`."""
    listed = ", ".join(f"{name} {count:,}" for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return f" ({listed})" if listed else ""


def _availability_lines(results: list[ExtractResult]) -> list[str]:
    """What was not served yet (the CLI does not wait: the interval stays incomplete, exit 0), then the
    source's watermark."""
    lines = list(dict.fromkeys(r.not_available for r in results if r.not_available))
    if results and lines:
        last = results[-1]
        through = last.complete_through.strftime("%Y-%m-%dT%H:%MZ") if last.complete_through else "nothing yet"
        lines.append(f"{last.source}: complete through {through}; run the same command again later to complete it")
    return lines


def cmd_backfill(args: argparse.Namespace, settings: Settings) -> int:
    from insights.pipeline import backfill
    from insights.run_summary import run_summary

    started = time.monotonic()
    result = backfill(args.start, args.end, settings)
    print(run_summary(result, time.monotonic() - started))
    for source in SOURCES:
        for line in _availability_lines(result.extracts.get(source, [])):
            print(line)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from insights import airflow_local, progress
    from insights.kpi_summary import kpi_summary
    from insights.pipeline import backfill
    from insights.run_summary import AirflowNight, run_summary
    from insights.warehouse import dbt_paths
    from insights_dev.bundled_simulator import bundled_world

    if not all(settings.endpoint(s).simulated for s in SOURCES):
        print(
            "insights demo runs on the bundled simulator: unset the INSIGHTS_*_URL variables, "
            "or use `insights backfill` against live sources",
            file=sys.stderr,
        )
        return 2
    started = time.monotonic()
    world = bundled_world(settings)
    last_night = world.last_day
    log.info(
        "demo: history %s..%s by backfill, then the night of %s through Airflow",
        world.first_day,
        last_night - timedelta(days=1),
        last_night,
    )
    result = backfill(world.first_day, last_night - timedelta(days=1), settings, world=world)
    night = AirflowNight(night=last_night)
    if not args.skip_airflow:
        with progress.task("airflow night", total=len(AIRFLOW_DAGS_NIGHTLY) + 1) as bar:
            airflow_local.ensure_metadata_db(settings)
            bar.advance(detail="metadata DB ready")
            for dag_id in AIRFLOW_DAGS_NIGHTLY:
                bar.update(detail=dag_id)
                began = time.monotonic()
                state = airflow_local.dags_test(dag_id, last_night, settings)
                night.runs.append((dag_id, state or "done", time.monotonic() - began))
                bar.advance()
    print()
    print(run_summary(result, time.monotonic() - started, night))
    print()
    print(kpi_summary(settings.published_snapshot, dbt_paths(settings, "duckdb")[0]))
    print(
        f"\ndemo finished in {time.monotonic() - started:.0f} s; data in {settings.home}, "
        f"full log in {settings.logs_dir / 'insights.log'}"
    )
    return 0


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    from insights.pipeline import extract

    result = extract(args.source, args.start, args.end, settings)
    print(
        f"{args.source}: landed {result.records_landed:,}, quarantined {result.records_quarantined:,}"
        f"{_by_field(result.quarantined_by_field)}"
    )
    for line in _availability_lines([result]):
        print(line)
    return 0


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from insights.pipeline import build_warehouse

    build_warehouse(settings, start=args.start, end=args.end, full_refresh=args.full_refresh, select=args.select)
    return 0


def cmd_gate(args: argparse.Namespace, settings: Settings) -> int:
    from insights.pipeline import quality_gate

    result = quality_gate(settings, backfill=args.backfill)  # GateFailed (exit 1) names each failure
    print(f"quality gate passed build {result.build_id}; Data Docs: {result.data_docs}")
    return 0


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    from insights.pipeline import publish_marts

    result = publish_marts(settings)  # PublishRefused (exit 1) says why when the gate did not pass this build
    print(
        f"published version {result.version} (build {result.build_id}): {len(result.tables)} governed tables "
        f"to {result.snapshot}"
        + (f" and schema {result.serving_schema} on {result.postgres}" if result.postgres else "")
    )
    return 0


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    from insights.hygiene import audit_summary
    from insights.hygiene.report_data import AuditNotFoundError, last_loaded_day
    from insights.pipeline import hygiene_audit

    day = args.date
    if day is None:
        # The last day the loaded data covers, not yesterday by the clock (which may be past the data).
        try:
            day = last_loaded_day(settings)
        except AuditNotFoundError:
            day = None
        if day is None:
            print(
                f"error: no event is loaded in {settings.warehouse}: nothing to audit; run `insights "
                "backfill` (or the nightly build) first, or give --date",
                file=sys.stderr,
            )
            return 1
        print(f"auditing the last loaded day, {day} (--date audits another)")
    result = hygiene_audit(day, settings)
    print(audit_summary(settings, day))
    print(f"report: {result.report_path}")
    return 0


def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    from insights.semantic_query import QueryError, run_query, write_rows

    try:
        query, rows = run_query(settings, args.metrics, args.group_by, args.start, args.end)
    except QueryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.show_sql:
        print(query.sql, file=sys.stderr)
    write_rows(query, rows, csv_path=args.csv)
    if args.csv:
        print(f"{len(rows)} row(s) written to {args.csv}")
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from insights.reports.index import build_reports

    print(f"reports: {build_reports(settings)}")
    return 0


def cmd_kpis(args: argparse.Namespace, settings: Settings) -> int:
    from insights.kpi_summary import NoPublicationError, kpi_summary
    from insights.kpis import ArtifactError
    from insights.warehouse import dbt_paths

    try:
        print(kpi_summary(settings.published_snapshot, dbt_paths(settings, "duckdb")[0]))
    except (NoPublicationError, ArtifactError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_sim_serve(args: argparse.Namespace, settings: Settings) -> int:
    from insights_dev.bundled_simulator import bundled_world, limits_from_env, live_world_config_from_env
    from insights_dev.simulator import serve_forever

    config = live_world_config_from_env(datetime.now(UTC).date(), args.history_days) if args.live else None
    serve_forever(bundled_world(settings, config), host=args.host, port=args.port, now=args.now,
                  limits=limits_from_env())
    return 0


def cmd_sim_export(args: argparse.Namespace, settings: Settings) -> int:
    from insights_dev.bundled_simulator import bundled_world
    from insights_dev.simulator import export_world

    world = bundled_world(settings)
    export_world(world, args.folder)
    print(
        f"exported {len(world.events):,} events, {len(world.ticket_versions):,} ticket versions and "
        f"{sum(len(r) for r in world.responses.values()):,} survey responses to {args.folder}"
    )
    return 0


def _bench_case(text: str) -> tuple[int, int]:
    """`1000000x30` -> (1000000 events/day, 30 days of history)."""
    try:
        events, days = (int(part.replace("_", "")) for part in text.lower().split("x"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: expected EVENTSxDAYS, e.g. 1000000x30") from exc
    if events < 1 or days < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: events and days must be positive")
    return events, days


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from insights_dev.bench import render, run_bench

    cases = args.case or [(events, days) for events in args.events_per_day for days in args.history_days]
    cache_dir = args.cache_dir or Path(os.environ.get("INSIGHTS_BENCH_CACHE") or settings.home / "bench-cache")
    if args.generate_only:
        from insights_dev.bench.runner import generate_world

        print(json.dumps(generate_world(cache_dir, cases), indent=2))
        return 0
    phase = "prepare" if args.prepare_only else "measure" if args.prepared else "all"
    results = run_bench(args.dir, cases, cache_dir=cache_dir, full_refresh=not args.skip_full_refresh,
                        compare_before=args.compare_before, phase=phase)
    if phase == "prepare":
        print(f"prepared {len(cases)} case(s) under {args.dir}: time their nights later with --prepared")
        return 0
    (args.dir / "results.md").write_text(render(results))
    print(render(results))
    print(f"results: {args.dir / 'results.json'} and results.md", json.dumps(results["machine"]))
    return 0


EPILOG = """environment:
  INSIGHTS_HOME        data folder (default ./.insights); logs in $INSIGHTS_HOME/logs/insights.log
  INSIGHTS_LOG_LEVEL   console log level: DEBUG (per-request and per-page lines), INFO (default), WARNING
  INSIGHTS_PROGRESS    0 turns the live progress display off (it only shows on a terminal, never in CI)
"""


def _commands(parser: argparse.ArgumentParser, dest: str) -> argparse._SubParsersAction:
    """The parser's required subcommands, the chosen one's name in `args.<dest>`."""
    metavar = dest.upper()
    help_text = f"run `{parser.prog} {metavar} --help` for its options"
    return parser.add_subparsers(dest=dest, required=True, metavar=metavar, title="commands", help=help_text)


def _command(sub: argparse._SubParsersAction, name: str, summary: str, func: Any) -> argparse.ArgumentParser:
    """A subcommand whose one-line help (in `insights --help`) is also its own --help description."""
    parser = sub.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="insights", description=__doc__, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="debug logging on the console: per-request, per-page and dbt node lines",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only on the console")
    sub = _commands(parser, "command")

    demo = _command(sub, "demo", "backfill the simulated world, run the last night through Airflow", cmd_demo)
    demo.add_argument("--skip-airflow", action="store_true", help="backfill only, no `airflow dags test`")

    backfill = _command(
        sub, "backfill", "extract day by day, then one warehouse build, gate and publish for the range", cmd_backfill
    )
    backfill.add_argument("--start", type=_day, required=True, help="first day, YYYY-MM-DD (UTC)")
    backfill.add_argument("--end", type=_day, required=True, help="last day, YYYY-MM-DD, included")

    extract = _command(
        sub, "extract", "extract one source for one interval [start, end) into the raw zone", cmd_extract
    )
    extract.add_argument("source", choices=SOURCES, help="the source to extract: " + ", ".join(SOURCES))
    extract.add_argument(
        "--start",
        type=_instant,
        required=True,
        help="interval start, ISO timestamp (UTC when no offset), e.g. 2026-08-03T00:00Z",
    )
    extract.add_argument("--end", type=_instant, required=True, help="interval end (excluded), ISO timestamp")

    build = _command(sub, "build", "load the raw zone and run dbt (nightly unless bounds are given)", cmd_build)
    build.add_argument("--start", type=_day, help="backfill bounds: first day to recompute")
    build.add_argument("--end", type=_day, help="backfill bounds: last day to recompute")
    build.add_argument("--full-refresh", action="store_true", help="rebuild every incremental model from raw")
    build.add_argument("--select", help="dbt node selection, e.g. 'path:models/marts' (default: everything)")

    gate = _command(sub, "gate", "run the quality gate on the candidate warehouse", cmd_gate)
    gate.add_argument("--backfill", action="store_true", help="allow days older than the lookback to change")

    _command(sub, "publish", "publish the governed marts of the build the quality gate passed", cmd_publish)

    audit = _command(sub, "audit", "tracker and metric hygiene audit for a reference day, with a summary", cmd_audit)
    audit.add_argument("--date", type=_day, help="reference day (default: the last day with loaded events)")

    query = _command(sub, "query", "a governed metric from the published snapshot (semantic layer names)", cmd_query)
    query.add_argument("--metrics", type=_names, required=True, help="metric names, comma-separated (catalog)")
    query.add_argument(
        "--group-by",
        type=_names,
        default=["metric_time__day"],
        help="metric_time__day|week|month and/or dimensions, comma-separated (default: day)",
    )
    query.add_argument("--start", type=_day, help="first period, YYYY-MM-DD (default: the first published)")
    query.add_argument("--end", type=_day, help="last period, YYYY-MM-DD (default: the last published)")
    query.add_argument("--csv", type=Path, help="write the rows to this CSV file")
    query.add_argument("--show-sql", action="store_true", help="print the SQL run on the snapshot (stderr)")

    _command(sub, "report", "build the KPI overview and reports/index.html over every report", cmd_report)

    _command(sub, "kpis", "print the KPI summary of the published snapshot (what PMs read)", cmd_kpis)

    bench = _command(sub, "bench", "time a nightly run at scale, stage by stage, against the DuckDB floor", cmd_bench)
    bench.add_argument(
        "--events-per-day",
        type=int,
        nargs="+",
        default=[1_000_000],
        metavar="N",
        help="simulated events per day, one run per value (default: 1000000)",
    )
    bench.add_argument(
        "--history-days",
        type=int,
        nargs="+",
        default=[10, 30],
        metavar="DAYS",
        help="days of history before the timed night, one run per value (default: 10 30)",
    )
    bench.add_argument(
        "--case",
        type=_bench_case,
        action="append",
        metavar="EVENTSxDAYS",
        help="one case, e.g. 1000000x30 (repeatable; replaces --events-per-day x --history-days)",
    )
    bench.add_argument("--dir", type=Path, default=Path(".bench"), help="runs and results (default: .bench)")
    bench.add_argument(
        "--cache-dir",
        type=Path,
        help="generated scale world, reused by every later run "
        "(default: $INSIGHTS_BENCH_CACHE, else $INSIGHTS_HOME/bench-cache)",
    )
    bench.add_argument(
        "--compare-before",
        action="store_true",
        help="also time the former dbt tasks (a dbt process per layer, whole-table tests) on the same warehouse",
    )
    bench.add_argument("--skip-full-refresh", action="store_true", help="do not time `dbt build --full-refresh`")
    # the phases of a case: generate its world, set up its home, time its night (or all in one run)
    when = bench.add_mutually_exclusive_group()
    when.add_argument(
        "--generate-only",
        action="store_true",
        help="only write the cases' scale world (history and night) into the cache dir, for later runs",
    )
    when.add_argument(
        "--prepare-only",
        action="store_true",
        help="only set up each case's home (history landed, backfilled, gated, published), not measured",
    )
    when.add_argument(
        "--prepared",
        action="store_true",
        help="time the night on the homes an earlier --prepare-only left under --dir (e.g. once the machine is idle)",
    )

    sim = sub.add_parser(
        "sim",
        help="the bundled simulator of the three SaaS APIs",
        description="The bundled simulator of the three SaaS APIs (Amplitude, Zendesk, Typeform).",
    )
    sim_sub = _commands(sim, "sim_command")
    serve = _command(sim_sub, "serve", "serve the world (or INSIGHTS_REPLAY_DIR) until interrupted", cmd_sim_serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument("--now", type=_instant, help="pin the simulator's clock (default: real time)")
    serve.add_argument("--live", action="store_true",
                       help="serve a world anchored on today on the real clock (data arrives hour by hour)")
    serve.add_argument("--history-days", type=int, default=None,
                       help="days of history behind today with --live (default: $INSIGHTS_SIM_HISTORY_DAYS or 14)")
    export = _command(sim_sub, "export", "write the generated world as a replay folder", cmd_sim_export)
    export.add_argument("folder", type=Path, help="destination folder of the replay files")
    return parser


def main(argv: list[str] | None = None) -> int:
    from insights.logs import configure_logging, console_level

    args = build_parser().parse_args(argv)
    settings = load_settings()
    try:
        level = console_level(args.verbose, args.quiet)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        display = configure_logging(settings, level)  # the first write under INSIGHTS_HOME
    except OSError as exc:
        where = exc.filename or settings.home
        print(
            f"error: INSIGHTS_HOME {settings.home} is not writable ({exc.strerror or exc}: {where}); "
            "point INSIGHTS_HOME at a folder you can write, or fix its permissions",
            file=sys.stderr,
        )
        return 1
    if getattr(args, "start", None) and getattr(args, "end", None) and args.end < args.start:
        print(f"error: --end {args.end} is before --start {args.start}", file=sys.stderr)
        return 2
    try:
        with display:
            return args.func(args, settings)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        log.debug("failure", exc_info=True)
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

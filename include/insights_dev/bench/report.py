"""Markdown tables of a benchmark's results (pasted into BENCHMARKS.md), with the issue's targets."""

from __future__ import annotations

from typing import Any

from insights_dev.bench.runner import NIGHT_STAGES

TARGET_FLOOR_RATIO = 1.5
TARGET_HISTORY_RATIO = 1.1
TARGET_INCREMENTAL_SPEEDUP = 10.0
TARGET_PEAK_RSS_MB = 2048
TARGET_EXTRACT_EVENTS_PER_S = 100_000
# The former dbt tasks (a `dbt` process per layer, whole-table tests), timed with --compare-before
# on a copy of the same loaded warehouse; shown beside `dbt`, not counted in the nightly total.
BEFORE_DBT = "dbt_per_layer"


def _stages(case: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["stage"]: s for s in case["stages"]}


def nightly_seconds(case: dict[str, Any]) -> float:
    stages = _stages(case)
    return sum(stages[s]["seconds"] for s in NIGHT_STAGES if s in stages)


def case_table(case: dict[str, Any]) -> str:
    stages = _stages(case)
    floor = stages["floor"]["seconds"]
    night = nightly_seconds(case)
    lines = [
        f"#### {case['events_per_day']:,} events/day, {case['history_days']} days of history "
        f"(night {case['night']}; {case['history_events']:,} history events)",
        "",
        "| stage | seconds | peak RSS (MB) | ratio to floor | share of nightly |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in (*NIGHT_STAGES, BEFORE_DBT, "full_refresh", "floor"):
        if name not in stages:
            continue
        s = stages[name]
        share = f"{s['seconds'] / night:.0%}" if name in NIGHT_STAGES else ""
        lines.append(
            f"| {name} | {s['seconds']:.1f} | {s['peak_rss_mb']:.0f} | {s['seconds'] / floor:.1f}x | {share} |"
        )
    peak = max(stages[s]["peak_rss_mb"] for s in NIGHT_STAGES if s in stages)
    lines.append(f"| **nightly total** | **{night:.1f}** | {peak:.0f} | **{night / floor:.1f}x** | 100% |")
    amp = stages["extract"]["details"]["amplitude"] if "extract" in stages else None
    lines.append("")
    if amp:
        rate = amp["landed"] / amp["seconds"] if amp["seconds"] else 0
        lines.append(f"Amplitude extraction: {amp['landed']:,} events in {amp['seconds']:.1f} s = "
                     f"{rate:,.0f} events/s.")
    if "dbt" in stages and stages["dbt"]["details"].get("layer_seconds"):
        layers = stages["dbt"]["details"]["layer_seconds"]
        lines.append("Nightly dbt task (one process, one parse, one `dbt build` per layer): "
                     + ", ".join(f"{name} {sec:.1f} s" for name, sec in layers.items()) + ".")
    if BEFORE_DBT in stages and "dbt" in stages:
        before, after = stages[BEFORE_DBT], stages["dbt"]
        layers = before["details"].get("layer_seconds", {})
        lines.append(f"Before (`{BEFORE_DBT}`: a `dbt` process per layer, whole-table data tests, same warehouse): "
                     + ", ".join(f"{name} {sec:.1f} s" for name, sec in layers.items())
                     + f"; dbt {before['seconds']:.1f} s -> {after['seconds']:.1f} s "
                     f"({before['seconds'] / after['seconds']:.2f}x faster); nightly total with it "
                     f"{night - after['seconds'] + before['seconds']:.1f} s "
                     f"= {(night - after['seconds'] + before['seconds']) / floor:.1f}x the floor.")
    if "full_refresh" in stages and "dbt" in stages:
        lines.append(f"Full refresh (`dbt build --full-refresh`) / nightly dbt task: "
                     f"{stages['full_refresh']['seconds'] / stages['dbt']['seconds']:.1f}x.")
    check = case.get("floor_vs_mart", {})
    lines.append(f"Floor vs mart DAU/WAU/MAU: {check.get('mismatched_days')} mismatched day(s) of {check.get('days')}.")
    lines.append(
        f"Load average at start / end: {_load(case['load_average_start'])} / {_load(case['load_average_end'])}."
    )
    return "\n".join(lines)


def _load(values: Any) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


def _rate(case: dict[str, Any]) -> float:
    amp = _stages(case).get("extract", {}).get("details", {}).get("amplitude")
    return amp["landed"] / amp["seconds"] if amp and amp["seconds"] else 0.0


def targets_table(results: dict[str, Any]) -> str:
    """The issue's targets against every case measured in this run (history ratios per size)."""
    cases = [c for c in results["cases"] if "floor" in _stages(c)]
    if not cases:
        return ""
    lines = ["| target | case | measured | met? |", "|---|---|---:|---|"]

    def row(target: str, case: str, value: str, met: bool) -> None:
        lines.append(f"| {target} | {case} | {value} | {'yes' if met else '**no**'} |")

    for c in cases:
        name = f"{c['events_per_day']:,}/day x {c['history_days']} d"
        stages = _stages(c)
        ratio = nightly_seconds(c) / stages["floor"]["seconds"]
        row(f"nightly <= {TARGET_FLOOR_RATIO:g}x floor", name, f"{ratio:.1f}x", ratio <= TARGET_FLOOR_RATIO)
        if "full_refresh" in stages:
            speedup = stages["full_refresh"]["seconds"] / stages["dbt"]["seconds"]
            row(f"full refresh / incremental dbt >= {TARGET_INCREMENTAL_SPEEDUP:g}x", name, f"{speedup:.1f}x",
                speedup >= TARGET_INCREMENTAL_SPEEDUP)
        peak = max(stages[s]["peak_rss_mb"] for s in NIGHT_STAGES if s in stages)
        row(f"peak RSS <= {TARGET_PEAK_RSS_MB} MB", name, f"{peak:,.0f} MB", peak <= TARGET_PEAK_RSS_MB)
        rate = _rate(c)
        row(f"extraction >= {TARGET_EXTRACT_EVENTS_PER_S:,} events/s", name, f"{rate:,.0f}/s",
            rate >= TARGET_EXTRACT_EVENTS_PER_S)
    for events in sorted({c["events_per_day"] for c in cases}):
        same = sorted((c for c in cases if c["events_per_day"] == events), key=lambda c: c["history_days"])
        if len(same) < 2:
            continue
        short, long = same[0], same[-1]
        ratio = nightly_seconds(long) / nightly_seconds(short)
        dbt_ratio = _stages(long)["dbt"]["seconds"] / _stages(short)["dbt"]["seconds"]
        row(f"nightly {long['history_days']} d / {short['history_days']} d history <= {TARGET_HISTORY_RATIO:g}",
            f"{events:,}/day", f"{ratio:.2f} (dbt {dbt_ratio:.2f})", ratio <= TARGET_HISTORY_RATIO)
    return "\n".join(lines)


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    parts = [f"Machine: {m['nproc']} cores ({m['cpu']}), {m['ram_gb']} GB RAM; Python {m['python']}; {versions}; "
             f"measured {m['measured_at']}.", ""]
    parts += [case_table(c) + "\n" for c in results["cases"]]
    targets = targets_table(results)
    if targets:
        parts += ["#### Targets", "", targets, ""]
    return "\n".join(parts)

"""Markdown tables of a benchmark's results (pasted into BENCHMARKS.md), with the issue's targets."""

from __future__ import annotations

from typing import Any

from insights.bench.runner import NIGHT_STAGES

TARGET_FLOOR_RATIO = 3.0
TARGET_HISTORY_RATIO = 1.2
TARGET_INCREMENTAL_SPEEDUP = 5.0
TARGET_PEAK_RSS_MB = 4096
TARGET_EXTRACT_EVENTS_PER_S = 50_000


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
    for name in (*NIGHT_STAGES, "full_refresh", "floor"):
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
    if "full_refresh" in stages and "dbt" in stages:
        lines.append(f"Full refresh (`dbt build --full-refresh`) / nightly `dbt build`: "
                     f"{stages['full_refresh']['seconds'] / stages['dbt']['seconds']:.1f}x.")
    check = case.get("floor_vs_mart", {})
    lines.append(f"Floor vs mart DAU/WAU/MAU: {check.get('mismatched_days')} mismatched day(s) of {check.get('days')}.")
    lines.append(
        f"Load average at start / end: {_load(case['load_average_start'])} / {_load(case['load_average_end'])}."
    )
    return "\n".join(lines)


def _load(values: Any) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    parts = [f"Machine: {m['nproc']} cores ({m['cpu']}), {m['ram_gb']} GB RAM; Python {m['python']}; {versions}; "
             f"measured {m['measured_at']}.", ""]
    parts += [case_table(c) + "\n" for c in results["cases"]]
    return "\n".join(parts)

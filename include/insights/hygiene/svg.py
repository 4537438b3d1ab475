"""Small inline SVG charts for the hygiene report (no plotting library, no script, no CDN).

Each function returns one `<svg>` element as text, sized in pixels, with a `<title>` for
screen readers and a text label on every bar, so the numbers read without hovering.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:12px"
AXIS = "#6b7280"
GRID = "#e5e7eb"
LEGEND_COLUMN = 190  # px per legend entry: fits the longest finding code


def nice_max(value: float) -> float:
    """A round axis maximum >= value: 1, 2, 2.5 or 5 times a power of ten (1.0 for nothing)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if value <= step * power)


def horizontal_bars(
    items: Sequence[tuple[str, float, str]],
    *,
    title: str,
    value_text: Callable[[float], str],
    width: int = 760,
    label_width: int = 190,
) -> str:
    """One bar per (label, value, colour), largest scale = the largest value."""
    bar_height, gap, top = 18, 6, 8
    height = top + len(items) * (bar_height + gap) + 8
    scale_max = max((v for _, v, _ in items), default=0) or 1
    plot_width = width - label_width - 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="{FONT}"><title>{escape(title)}</title>'
    ]
    for index, (label, value, colour) in enumerate(items):
        y = top + index * (bar_height + gap)
        length = max(1.0, plot_width * value / scale_max) if value > 0 else 0.0
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 13}" text-anchor="end" fill="#111827">'
            f"{escape(label)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" rx="2" '
            f'fill="{colour}"/><text x="{label_width + length + 6:.1f}" y="{y + 13}" fill="#374151">'
            f"{escape(value_text(value))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(
    rows: Sequence[tuple[str, dict[str, int]]],
    segments: Sequence[tuple[str, str]],
    *,
    title: str,
    width: int = 760,
    label_width: int = 150,
) -> str:
    """One horizontal bar per row, split into segments (key, colour) in the given order, with a legend."""
    bar_height, gap, top = 20, 8, 8
    per_row = max(1, (width - label_width) // LEGEND_COLUMN)
    legend_height = 22 * ((len(segments) + per_row - 1) // per_row)
    height = top + len(rows) * (bar_height + gap) + legend_height + 10
    total_max = max((sum(values.values()) for _, values in rows), default=0) or 1
    plot_width = width - label_width - 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="{FONT}"><title>{escape(title)}</title>'
    ]
    for index, (label, values) in enumerate(rows):
        y = top + index * (bar_height + gap)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 14}" text-anchor="end" fill="#111827">'
            f"{escape(label)}</text>"
        )
        x = float(label_width)
        for key, colour in segments:
            count = values.get(key, 0)
            if not count:
                continue
            length = plot_width * count / total_max
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{colour}">'
                f"<title>{escape(key)}: {count}</title></rect>"
            )
            if length >= 16:
                parts.append(
                    f'<text x="{x + length / 2:.1f}" y="{y + 14}" text-anchor="middle" '
                    f'fill="#ffffff">{count}</text>'
                )
            x += length
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 14}" fill="#374151">{sum(values.values())}</text>')
    legend_top = top + len(rows) * (bar_height + gap) + 6
    for index, (key, colour) in enumerate(segments):
        x = label_width + (index % per_row) * LEGEND_COLUMN
        y = legend_top + (index // per_row) * 22
        parts.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 17}" y="{y + 10}" fill="#374151">{escape(key)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def daily_columns(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    colour: str = "#dc2626",
    width: int = 760,
    height: int = 220,
) -> str:
    """One column per day (label, value) with a y axis from 0 and a date label every few columns."""
    left, right, top, bottom = 44, 10, 12, 42
    plot_width, plot_height = width - left - right, height - top - bottom
    # five grid lines at whole numbers when the values are counts
    tick = nice_max(max((v for _, v in points), default=0) / 4)
    if all(float(v).is_integer() for _, v in points):
        tick = max(1.0, float(math.ceil(tick)))
    scale_max = 4 * tick
    step = plot_width / max(1, len(points))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="{FONT}"><title>{escape(title)}</title>'
    ]
    for tick in range(5):
        value = scale_max * tick / 4
        y = top + plot_height - plot_height * tick / 4
        label = f"{value:g}"
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS}">{label}</text>'
        )
    label_every = max(1, len(points) // 10)
    for index, (label, value) in enumerate(points):
        x = left + index * step
        column = plot_height * value / scale_max
        parts.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{top + plot_height - column:.1f}" width="{step * 0.7:.1f}" '
            f'height="{column:.1f}" fill="{colour}"><title>{escape(label)}: {value:g}</title></rect>'
        )
        if index % label_every == 0 or index == len(points) - 1:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                f'fill="{AXIS}">{escape(label)}</text>'
            )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - right}" y2="{top + plot_height}" '
        f'stroke="{AXIS}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)

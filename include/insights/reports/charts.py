"""Altair (Vega-Lite) charts rendered to inline SVG offline by vl-convert: no script, no network."""

from __future__ import annotations

import altair as alt
import vl_convert

FONT = "system-ui, -apple-system, Segoe UI, sans-serif"
INCOMPLETE_COLOUR = "#d97706"


def to_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as one `<svg>` element (Vega's own renderer, run in-process by vl-convert); data
    URLs are refused, so a chart can only show the rows it was given."""
    themed = chart.configure(font=FONT).configure_view(strokeWidth=0)
    svg = vl_convert.vegalite_to_svg(themed.to_json(), allowed_base_urls=[])
    return svg[svg.index("<svg"):]

"""Make Great Expectations' Data Docs work with no network.

GX's pages load Bootstrap, jQuery, bootstrap-table, Font Awesome, Vega and more from 8 CDNs, and the
index lists validation results and suites only once bootstrap-table (from a CDN) builds the table
from data embedded in a script: offline, the index is blank and every status icon is missing.

This post-processing rewrites each page of the site in place (idempotent):
- every `<script src=http...>` and `<link href=http...>` is removed, and so is every inline script
  (they all drive those libraries); external images become the site's own logo;
- the index's tables are rendered as plain HTML from the data GX embedded, newest run first, each
  row linking to its page;
- Font Awesome status icons become text symbols (a check mark, a cross) with the same colours;
- one small local stylesheet (static/styles/insights_offline.css) replaces Bootstrap's layout.
"""

from __future__ import annotations

import ast
import html
import logging
import re
from pathlib import Path
from typing import Any

from insights.reports.rendering import write_report

_log = logging.getLogger(__name__)
STYLESHEET = "static/styles/insights_offline.css"
_EXTERNAL_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>\s*", re.I)
_EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref=\"https?://[^\"]*\"[^>]*>\s*", re.I)
_EXTERNAL_IMG = re.compile(r"(<img\b[^>]*\bsrc=\")https?://[^\"]*(\")", re.I)
_EXTERNAL_CSS_URL = re.compile(r"url\(\s*['\"]?https?://[^)]*\)", re.I)
_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>.*?</script>\s*", re.I | re.S)
_TABLE_SETUP = re.compile(
    r"\$\('#(?P<id>[\w-]+)'\)\.bootstrapTable\(\s*Object\.assign\(\s*\{\s*columns: (?P<columns>\[.*?\]),\s*"
    r"data: (?P<data>\[.*?\]),\s*toolbar:", re.S)
_EMPTY_TABLE = '<table\n  id="{id}"'
_ICONS = (
    (re.compile(r'<i class="fas fa-check-circle[^"]*"[^>]*>\s*</i>'),
     '<span class="ok" title="success">&#10004;</span>'),
    (re.compile(r'<i class="fas fa-times[^"]*"[^>]*>\s*</i>'),
     '<span class="failed" title="failed">&#10008;</span>'),
    (re.compile(r'<i class="fas? fa-[^"]*"[^>]*>\s*</i>'), ""),
)
_MARKER = "<!-- insights: offline -->"
CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d2330;margin:0;line-height:1.45}
.container,.container-fluid{max-width:80rem;margin:0 auto;padding:1rem}
.row{display:flex;flex-wrap:wrap;gap:1rem}.col-md-2,.col-md-3{flex:0 0 16rem}
.col-md-8,.col-md-9,.col-md-10{flex:1 1 40rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.9rem}
th,td{border-bottom:1px solid #dde2ea;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f3f5f9}
.card{border:1px solid #dde2ea;border-radius:6px;margin:.8rem 0;padding:.4rem .8rem}
.nav{list-style:none;padding:0;display:flex;gap:1rem}.tab-pane{margin-top:1rem}
.ok,.text-success{color:#15803d}.failed,.text-danger{color:#b91c1c}
.ok,.failed{font-weight:700;font-size:1.1em}
.cooltip .top,.hide-succeeded-validations-column-section,footer,.btn,.ge-training-banner{display:none}
img{max-width:16rem}pre,code{font-size:.85rem;white-space:pre-wrap}
a{color:#1d4ed8}.offline-note{color:#5b6475;font-size:.85rem}
"""


def _cell(row: dict[str, Any], field: str) -> str:
    """A table cell as GX's data holds it: already HTML (status spans, links) or plain text."""
    value = row.get(field, "")
    return str(value) if isinstance(value, str) and "<" in value else html.escape(str(value))


def _static_table(table_id: str, columns: list[dict[str, Any]], data: list[dict[str, Any]]) -> str:
    """The table bootstrap-table would have built, newest run first; each row links to its page
    (GX made the whole row clickable with a script)."""
    sort = next((c.get("sortName") for c in columns if c.get("field") == "run_time"), None)
    if sort:
        data = sorted(data, key=lambda row: row.get(sort) or 0, reverse=True)
    linked = any(row.get("_table_row_link_path") for row in data)
    head = "".join(f"<th>{html.escape(str(c.get('title', c['field'])))}</th>" for c in columns)
    rows = []
    for row in data:
        cells = [_cell(row, c["field"]) for c in columns]
        link = html.escape(str(row.get("_table_row_link_path") or ""))
        if linked:
            cells.append(f'<a href="{link}">open</a>' if link else "")
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (f'<table id="{table_id}" class="table-sm"><thead><tr>{head}{"<th>page</th>" if linked else ""}'
            f'</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def offline_page(text: str, depth: int) -> str:
    """One Data Docs page without anything to fetch; `depth` = its folder's depth below the site root."""
    if _MARKER in text:
        return text
    root = "../" * depth
    tables = {m["id"]: _static_table(m["id"], ast.literal_eval(m["columns"]), ast.literal_eval(m["data"]))
              for m in _TABLE_SETUP.finditer(text)}
    for table_id, table in tables.items():
        start = text.find(_EMPTY_TABLE.format(id=table_id))
        if start >= 0:
            end = text.index("</table>", start) + len("</table>")
            text = text[:start] + table + text[end:]
    text = _EXTERNAL_SCRIPT.sub("", text)
    text = _EXTERNAL_LINK.sub("", text)
    text = _INLINE_SCRIPT.sub("", text)
    text = _EXTERNAL_CSS_URL.sub("none", text)
    text = _EXTERNAL_IMG.sub(lambda m: f"{m.group(1)}{root}static/images/logo-long.png{m.group(2)}", text)
    for pattern, replacement in _ICONS:
        text = pattern.sub(replacement, text)
    style = f'<link rel="stylesheet" href="{root}{STYLESHEET}">'
    text = text.replace("</head>", f"{style}\n{_MARKER}\n</head>", 1)
    return text


def make_site_offline(site: Path) -> int:
    """Rewrite every page of the Data Docs site at `site`; returns how many pages changed."""
    if not (site / "index.html").is_file():
        return 0
    write_report(site / STYLESHEET, CSS)
    changed = 0
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        offline = offline_page(text, len(page.relative_to(site).parts) - 1)
        if offline != text:
            write_report(page, offline)
            changed += 1
    _log.debug("Data Docs: %d page(s) made to work offline in %s", changed, site)
    return changed

"""Offline HTML reports for PMs and Product Ops, rendered from Jinja2 templates (insights/templates/):
the KPI overview (charts rendered to SVG), the KPI catalog, the hygiene report, the Data Docs made to
work offline, and reports/index.html linking them. Every page is self-contained (no script, no CDN).

    insights report            # (re)build the overview and the index over what is published
"""

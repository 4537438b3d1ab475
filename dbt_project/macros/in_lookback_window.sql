{#-
  The late-event lookback rule, written once: `day` lies in the last `lookback` days up to
  `last_day` (metrics.md 1.4). The models' recompute window (recompute_day_filter) uses it, and
  the quality gate's dataset queries (expectations/*.sql) render it too (insights.quality.suites),
  so the gate rechecks exactly the days a nightly build recomputes.
-#}
{% macro in_lookback_window(day, last_day, lookback) -%}
    {{ day }} > {{ last_day }} - {{ lookback }}
{%- endmacro %}

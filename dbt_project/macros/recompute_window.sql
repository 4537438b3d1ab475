{#-
  Which days an incremental daily mart recomputes in this run (metrics.md section 1.4).

  - first build or --full-refresh: every day (the caller does not apply the filter);
  - nightly: the last `late_event_lookback_days` days up to the last loaded day, plus any day
    after the last day the mart already holds (a missed night, or several days loaded at
    once, leaves no gap);
  - everything again when the first loaded day moved (the completeness flags of the early
    days depend on it), e.g. after loading older raw data;
  - a backfill (vars backfill_start / backfill_end, both inclusive) adds that range;
  - for a mart with an `is_complete` column (metrics.md 1.6), given `is_complete_now` (the
    completeness of the candidate day's row, an SQL boolean, null counting as false): every row
    incomplete now, and every row stored as incomplete. A day that became complete is then
    recomputed on the next night however old it is (its published values become final), and an
    incomplete day keeps following its data until it is complete. Only the newest days are ever
    incomplete (completeness is monotone), so this adds little work.

  - given `changed_days` (a select of one date column named changed_day) and `changed_reach` (N):
    every day whose last N + 1 days include a changed day. The engagement marts pass the days whose
    user-days the last run of int_user_event_days rewrote (a device identified late re-attributes
    its older anonymous days to its owner) with the reach of their widest window (27 for MAU): a day
    whose inputs changed is recomputed even when it is older than the lookback window.

  `day` is the candidate day expression, `last_loaded_day` / `first_loaded_day` scalar SQL
  expressions of the loaded range, `existing_days` a relation and column holding the days
  already built (e.g. `this` and 'date_day'); `row_key` maps a candidate day to that column
  (default: the day itself; e.g. the Monday of its week).
-#}
{% macro recompute_day_filter(
    day, first_loaded_day, last_loaded_day, existing_relation, existing_column, is_complete_now=none, row_key=none,
    changed_days=none, changed_reach=0
) -%}
    {%- set lookback = var('late_event_lookback_days') | int -%}
    {%- if lookback < 1 -%}
        {{ exceptions.raise_compiler_error("var late_event_lookback_days must be >= 1, got " ~ lookback) }}
    {%- endif -%}
    (
        {{ in_lookback_window(day, last_loaded_day, lookback) }}
        or {{ day }} > coalesce(
            (select max(existing.{{ existing_column }}) from {{ existing_relation }} as existing),
            cast('1900-01-01' as date)
        )
        or (select min(existing.{{ existing_column }}) from {{ existing_relation }} as existing)
            is distinct from {{ first_loaded_day }}
        {%- if is_complete_now is not none %}
        or not coalesce({{ is_complete_now }}, false)
        or {{ row_key or day }} in (
            select stored.{{ existing_column }}
            from {{ existing_relation }} as stored
            where not stored.is_complete
        )
        {%- endif %}
        {%- if changed_days is not none %}
        or exists (
            select 1
            from ({{ changed_days }}) as changed
            where changed.changed_day between {{ day }} - {{ changed_reach }} and {{ day }}
        )
        {%- endif %}
        {%- set backfill = backfill_range() %}
        {%- if backfill %}
        or {{ day }} between cast('{{ backfill[0] }}' as date) and cast('{{ backfill[1] }}' as date)
        {%- endif %}
    )
{%- endmacro %}

{#- (start, end) ISO dates of an explicit backfill, or none on a nightly run -#}
{% macro backfill_range() -%}
    {%- set start = var('backfill_start', none) -%}
    {%- set end = var('backfill_end', none) -%}
    {%- if start is none and end is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set start = (start or '1900-01-01') | string -%}
    {%- set end = (end or '9999-12-31') | string -%}
    {%- for value in [start, end] -%}
        {%- if modules.re.match('^\d{4}-\d{2}-\d{2}$', value) is none -%}
            {{ exceptions.raise_compiler_error("backfill bound " ~ value ~ " is not a YYYY-MM-DD date") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return((start, end)) }}
{%- endmacro %}

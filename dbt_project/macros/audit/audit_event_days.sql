{#-
  The frame of the hygiene audit's per-event-day aggregates (int_audit__daily_*, incremental on
  the event day, see macros/audit_windows.sql): their config, the CTEs naming the days a build
  computes, and the filter that reads the events of those days only.
-#}
{% macro audit_event_day_config(on_schema_change='fail') -%}
    {{ return({
        'materialized': 'incremental',
        'unique_key': 'event_date',
        'incremental_strategy': day_incremental_strategy(),
        'partition_by': day_partition_by('event_date'),
        'on_schema_change': on_schema_change,
    }) }}
{%- endmacro %}

{#-
  CTEs (without the leading `with`) loaded_days (first_loaded_day, last_loaded_day), computed_days
  (event_date: the days this build computes; on an incremental run those audit_recompute_days
  picks with the given fingerprint) and stamp (loaded_through: the newest loaded_at of the events,
  stored with every row).
-#}
{% macro audit_event_day_ctes(fingerprint) -%}
loaded_days as (
    select
        bounds.first_loaded_day,
        bounds.last_loaded_day
    from {{ ref('int_events__loaded_days') }} as bounds
),

computed_days as (
    {% if is_incremental() -%}
    {{ audit_recompute_days(fingerprint) }}
    {%- else -%}
    {{ audit_all_days() }}
    {%- endif %}
),

stamp as (
    select max(all_events.loaded_at) as loaded_through
    from {{ ref('int_events__deduplicated') }} as all_events
)
{%- endmacro %}

{#- `and ...` conditions keeping the events (alias) of computed_days only; none on a full build. -#}
{% macro audit_computed_days_only(alias) -%}
    {%- if is_incremental() %}
        -- the bounds let the scan skip the row groups of other days; the list keeps it exact
        and {{ alias }}.event_date >= (select min(bounds.event_date) from computed_days as bounds)
        and {{ alias }}.event_date <= (select max(bounds.event_date) from computed_days as bounds)
        and {{ alias }}.event_date in (select computed.event_date from computed_days as computed)
    {%- endif %}
{%- endmacro %}

{#-
  The hygiene audit's per-event-day aggregates (int_audit__daily_*) are incremental on the event
  day: a run recomputes only the days whose events may have changed, and the reference-day
  models read their window from the stored days. Every stored day holds a marker row (its
  `event_type` null) stamped with `loaded_through` (the newest loaded_at of
  int_events__deduplicated when the day was computed) and `fingerprint` (what else the day's rows
  depend on, e.g. the tracking plan's property schema).

  audit_recompute_days(fingerprint) is the body of a CTE listing the event days (column
  event_date) this incremental run recomputes; it needs a CTE `loaded_days` (first_loaded_day,
  last_loaded_day) from int_events__loaded_days. A day is recomputed when
  - recompute_day_filter selects it, as for the daily marts: the last late_event_lookback_days
    days, any day after the last stored one, every day when the first loaded day moved, and the
    range of a backfill (vars backfill_start / backfill_end);
  - an event of that day was loaded (or re-decided) since the aggregates were stored: a late or
    re-sent copy further back than the lookback still lands in the aggregates, and the day a
    re-decided event left (replaced_event_date) loses it;
  - it lies in the audit's hygiene window (int_audit__reference_window) and was stored with
    another fingerprint, or not at all: a changed plan is re-checked only where an audit reads.
-#}
{% macro audit_recompute_days(fingerprint) -%}
    {%- set stored_days -%}
        (
            select stored.event_date
            from {{ this }} as stored
            where stored.event_type is null
                -- a stored day before the first loaded one (left when that day moved later) must
                -- not trigger a full recompute every night
                and stored.event_date >= (select first_bound.first_loaded_day from loaded_days as first_bound)
        )
    {%- endset %}
    {#- the newest load the stored aggregates have seen -#}
    {%- set stored_through -%}
        (
            select coalesce(max(stored.loaded_through), cast('1900-01-01' as timestamp))
            from {{ this }} as stored
        )
    {%- endset %}
    select spine.date_day as event_date
    from loaded_days
    {{ day_series('loaded_days.first_loaded_day', 'loaded_days.last_loaded_day', 'spine') }}
    where {{ recompute_day_filter(
        'spine.date_day', 'loaded_days.first_loaded_day', 'loaded_days.last_loaded_day', stored_days, 'event_date'
    ) }}
    union
    select touched.event_date
    from {{ ref('int_events__deduplicated') }} as touched
    where touched.loaded_at > {{ stored_through }}
    union
    select touched.replaced_event_date as event_date
    from {{ ref('int_events__deduplicated') }} as touched
    where touched.replaced_event_date is not null
        and touched.loaded_at > {{ stored_through }}
    union
    select window_days.date_day as event_date
    from {{ ref('int_audit__reference_window') }} as ref_window
    {{ day_series('ref_window.window_start', 'ref_window.window_end', 'window_days') }}
    cross join loaded_days
    where window_days.date_day >= loaded_days.first_loaded_day
        and not exists (
            select 1
            from {{ this }} as stored
            where stored.event_type is null
                and stored.event_date = window_days.date_day
                and stored.fingerprint = {{ fingerprint }}
        )
{%- endmacro %}

{#- Every event day a full build computes: the loaded range plus any day holding a valid event
    (the day after the last loaded one may hold early events of a partly loaded day). -#}
{% macro audit_all_days() -%}
    select spine.date_day as event_date
    from loaded_days
    {{ day_series('loaded_days.first_loaded_day', 'loaded_days.last_loaded_day', 'spine') }}
    union
    select all_events.event_date
    from {{ ref('int_events__deduplicated') }} as all_events
    where not all_events.is_future_dated
{%- endmacro %}

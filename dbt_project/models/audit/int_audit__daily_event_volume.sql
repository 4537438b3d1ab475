{{ config(**audit_event_day_config()) }}
-- depends_on: {{ ref('int_audit__reference_window') }} (read by audit_recompute_days on incremental runs)
-- Valid events per event day and event type (planned or not), the partial aggregate the
-- reference-day volume models (event_volume_daily, event_volume_share) sum over their window.
-- Incremental on the event day (macros/audit_windows.sql): a run recomputes the nightly days,
-- the days whose events were loaded since, and the audit window's missing days; every other
-- stored day already equals a full recompute. One marker row per computed day (event_type null,
-- events = all valid events of the day, 0 on an empty day) lets delete+insert clear a day that
-- lost all its events and records when the day was computed.
with {{ audit_event_day_ctes("'none'") }},

day_events as (
    select
        events.event_date,
        events.event_type
    from {{ ref('int_events__deduplicated') }} as events
    where not events.is_future_dated
        {{- audit_computed_days_only('events') }}
),

volumes as (
    select
        day_events.event_date,
        day_events.event_type,
        count(*) as events
    from day_events
    group by
        day_events.event_date,
        day_events.event_type
),

markers as (
    select
        computed_days.event_date,
        cast(null as {{ type_text() }}) as event_type,
        coalesce(sum(volumes.events), 0) as events
    from computed_days
    left join volumes
        on computed_days.event_date = volumes.event_date
    group by computed_days.event_date
)

select
    cast(rows_out.event_date as date) as event_date,
    cast(rows_out.event_type as {{ type_text() }}) as event_type,
    cast(rows_out.events as bigint) as events,
    cast('none' as {{ type_text() }}) as fingerprint,
    cast(stamp.loaded_through as timestamp) as loaded_through
from (
    select volumes.event_date, volumes.event_type, volumes.events from volumes
    union all
    select markers.event_date, markers.event_type, markers.events from markers
) as rows_out
cross join stamp

{{ config(materialized='view') }}
-- The valid events of the hygiene window (metrics.md section 7): deduplicated, not future-dated
-- (int_events__deduplicated decides both; nothing is recomputed here), with an event day in
-- [window_start, window_end] of the audit's reference day.
select
    ref_window.reference_date,
    events.event_key,
    events.event_type,
    events.event_date,
    events.event_properties
from {{ ref('int_events__deduplicated') }} as events
inner join {{ ref('int_audit__reference_window') }} as ref_window
    on events.event_date between ref_window.window_start and ref_window.window_end
where not events.is_future_dated

-- The range of days the loaded events cover (one row; nulls when no event is loaded yet).
-- first_loaded_day: earliest reporting day of a valid deduplicated event.
-- last_event_day: latest reporting day of a valid deduplicated event.
-- last_loaded_day: last_event_day capped at the latest reporting day of a server_upload_time (the
-- hygiene audit's reference day: a valid event may be stamped up to 1 hour after its upload, so an
-- event uploaded late on day D can fall on D+1, a day whose uploads are not loaded yet).
-- Whether a day is complete is a different question, answered by int_reporting_days from the
-- source's watermark; the governed marts take their flags and cohort rates from there.
-- Future-dated events never extend the range.
select
    min(events.event_date) as first_loaded_day,
    max(events.event_date) as last_event_day,
    least(
        max(events.event_date),
        max({{ reporting_date('events.server_upload_time') }})
    ) as last_loaded_day
from {{ ref('int_events__deduplicated') }} as events
where not events.is_future_dated

-- The range of days the loaded data covers (one row; nulls when no event is loaded yet).
-- first_loaded_day: earliest reporting day of a valid deduplicated event.
-- last_loaded_day: latest reporting day of a valid deduplicated event, capped at the latest
-- reporting day of a server_upload_time. The cap matters on the newest day: a valid event
-- may be stamped up to 1 hour after its upload, so an event uploaded late on day D can fall
-- on D+1, a day whose uploads are not loaded yet; D+1 is reported from the next load on.
-- Future-dated events never extend the range.
select
    min(events.event_date) as first_loaded_day,
    least(
        max(events.event_date),
        max({{ reporting_date('events.server_upload_time') }})
    ) as last_loaded_day
from {{ ref('int_events__deduplicated') }} as events
where not events.is_future_dated

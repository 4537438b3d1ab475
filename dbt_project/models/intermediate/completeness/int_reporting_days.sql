-- The reporting days (var reporting_timezone) and, per source, whether each is complete
-- (metrics.md section 1.6): day d is complete for a source when the source is complete through the
-- UTC instant at which d ends, i.e. raw._source_watermarks.complete_through >= the start of d + 1
-- in the reporting zone, converted to UTC (macro reporting_day_end_utc; a DST day of 23 or 25 hours
-- counts as it is). A source without a watermark has no complete day. Completeness is monotone:
-- every day before a complete day is complete.
--
-- One row per day from the first day with data in any source (a valid event, a ticket created or
-- solved, a completed survey response) to the last day with data or, when later, the last day
-- complete for some source: every day a governed mart can show. The marts join it on their day
-- (or on the last day of their week, month, or the cohort's day c+N); a day past the last row is
-- incomplete for every source.
with source_bounds as (
    select
        loaded_days.first_loaded_day as first_day,
        loaded_days.last_event_day as last_day
    from {{ ref('int_events__loaded_days') }} as loaded_days
    union all
    select
        min(tickets.created_day) as first_day,
        max(case when tickets.is_solved and tickets.solved_day > tickets.created_day
            then tickets.solved_day else tickets.created_day end) as last_day
    from {{ ref('int_voc__tickets') }} as tickets
    union all
    select
        min({{ reporting_date('responses.submitted_at') }}) as first_day,
        max({{ reporting_date('responses.submitted_at') }}) as last_day
    from {{ ref('stg_typeform__responses') }} as responses
    where responses.is_completed
),

watermarks as (
    select
        max(case when marks.source = 'amplitude' then marks.complete_through end) as amplitude_complete_through,
        max(case when marks.source = 'typeform' then marks.complete_through end) as typeform_complete_through,
        max(case when marks.source = 'zendesk' then marks.complete_through end) as zendesk_complete_through,
        -- the last day that ends at or before some source's watermark
        max({{ reporting_date('marks.complete_through') }}) - 1 as last_complete_day
    from {{ source('raw_zone', 'source_watermarks') }} as marks
),

bounds as (
    select
        (select min(source_bounds.first_day) from source_bounds) as first_day,
        greatest(
            (select max(source_bounds.last_day) from source_bounds),
            (select watermarks.last_complete_day from watermarks)
        ) as last_day
),

days as (
    select
        spine.date_day,
        {{ reporting_day_start_utc('spine.date_day') }} as day_start_utc,
        {{ reporting_day_end_utc('spine.date_day') }} as day_end_utc
    from bounds
    {{ day_series('bounds.first_day', 'bounds.last_day', 'spine') }}
)

select
    cast(days.date_day as date) as date_day,
    days.day_start_utc,
    days.day_end_utc,
    cast({{ seconds_between('days.day_start_utc', 'days.day_end_utc') }} / 3600 as integer) as day_hours,
    coalesce(watermarks.amplitude_complete_through >= days.day_end_utc, false) as is_amplitude_complete,
    coalesce(watermarks.typeform_complete_through >= days.day_end_utc, false) as is_typeform_complete,
    coalesce(watermarks.zendesk_complete_through >= days.day_end_utc, false) as is_zendesk_complete
from days
cross join watermarks

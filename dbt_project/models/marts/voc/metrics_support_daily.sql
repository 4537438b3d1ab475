-- Tickets created (by day of created_at) and solved (status solved or closed, by day of
-- metric_set.solved_at) per day, deleted tickets excluded (metrics.md section 5). Days in
-- the reporting timezone, every day of int_voc__support_calendar (first day with support
-- activity to the last one or the last day complete for zendesk), zeros included.
-- is_complete: zendesk is complete through the day's end (metrics.md 1.6).
with created as (
    select
        created_day as date_day,
        count(*) as tickets_created
    from {{ ref('int_voc__tickets') }}
    group by created_day
),

solved as (
    select
        solved_day as date_day,
        count(*) as tickets_solved
    from {{ ref('int_voc__tickets') }}
    where is_solved
        and solved_day is not null
    group by solved_day
)

select
    cast(calendar.date_day as date) as date_day,
    cast(coalesce(created.tickets_created, 0) as bigint) as tickets_created,
    cast(coalesce(solved.tickets_solved, 0) as bigint) as tickets_solved,
    {{ complete_for('completeness', ['zendesk']) }} as is_complete
from {{ ref('int_voc__support_calendar') }} as calendar
left join {{ ref('int_reporting_days') }} as completeness
    on calendar.date_day = completeness.date_day
left join created
    on calendar.date_day = created.date_day
left join solved
    on calendar.date_day = solved.date_day

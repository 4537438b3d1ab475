-- Weekly support response times (metrics.md section 5), ISO weeks starting Monday in the
-- reporting timezone, one row per week of int_voc__support_calendar:
-- median first reply time (calendar minutes) over the tickets created in the week that have
-- one; median full resolution time (calendar minutes) over the tickets solved (status solved
-- or closed, by week of solved_at) in the week that have one. Null when no ticket qualifies.
-- is_complete: the week's last day (Sunday) is complete for zendesk (metrics.md 1.6).
with weeks as (
    select distinct week_start as week_start
    from {{ ref('int_voc__support_calendar') }}
),

first_reply as (
    select
        created_week as week_start,
        {{ voc_median('reply_time_calendar_minutes') }} as median_first_reply_minutes
    from {{ ref('int_voc__tickets') }}
    where reply_time_calendar_minutes is not null
    group by created_week
),

full_resolution as (
    select
        solved_week as week_start,
        {{ voc_median('full_resolution_time_calendar_minutes') }} as median_full_resolution_minutes
    from {{ ref('int_voc__tickets') }}
    where is_solved
        and solved_week is not null
        and full_resolution_time_calendar_minutes is not null
    group by solved_week
)

select
    cast(weeks.week_start as date) as week_start,
    cast(first_reply.median_first_reply_minutes as {{ type_double() }}) as median_first_reply_minutes,
    cast(full_resolution.median_full_resolution_minutes as {{ type_double() }}) as median_full_resolution_minutes,
    {{ complete_for('week_end', ['zendesk']) }} as is_complete
from weeks
left join {{ ref('int_reporting_days') }} as week_end
    on {{ week_last_day('weeks.week_start') }} = week_end.date_day
left join first_reply
    on weeks.week_start = first_reply.week_start
left join full_resolution
    on weeks.week_start = full_resolution.week_start

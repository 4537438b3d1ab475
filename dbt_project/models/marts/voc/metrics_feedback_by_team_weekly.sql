-- Feedback routed to each team per ISO week of item creation (metrics.md section 6):
-- feedback_received = items routed to the team's product areas; feedback_resolved = of
-- those, tickets now solved or closed. Every team of the workspace's product_areas on every
-- week from the first week with feedback to the last one or, when later, the week of the last
-- day complete for both zendesk and typeform, zeros included. is_complete: the week's last day
-- (Sunday) is complete for zendesk and typeform (metrics.md 1.6).
with weeks as (
    {{ voc_feedback_weeks() }}
),

teams as (
    select distinct team as team
    from {{ ref('stg_workspace__product_areas') }}
),

routed as (
    select
        created_week as week_start,
        team as team,
        count(*) as feedback_received,
        sum(case when is_resolved then 1 else 0 end) as feedback_resolved
    from {{ ref('int_voc__feedback_items') }}
    where is_routed
    group by created_week, team
)

select
    cast(weeks.week_start as date) as week_start,
    cast(teams.team as {{ type_varchar() }}) as team,
    cast(coalesce(routed.feedback_received, 0) as bigint) as feedback_received,
    cast(coalesce(routed.feedback_resolved, 0) as bigint) as feedback_resolved,
    {{ complete_for('week_end', ['zendesk', 'typeform']) }} as is_complete
from weeks
cross join teams
left join {{ ref('int_reporting_days') }} as week_end
    on {{ week_last_day('weeks.week_start') }} = week_end.date_day
left join routed
    on weeks.week_start = routed.week_start
    and teams.team = routed.team

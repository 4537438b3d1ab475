-- The two feedback marts agree (metrics.md section 6): in every week, the items received by
-- the teams plus the unrouted items are all the items; no team resolves more than it
-- receives; and the weeks hold every feedback item. Returns the offending weeks.
with by_team as (
    select
        week_start as week_start,
        sum(feedback_received) as received,
        sum(case when feedback_resolved > feedback_received then 1 else 0 end) as teams_over_resolved
    from {{ ref('metrics_feedback_by_team_weekly') }}
    group by week_start
),

unrouted as (
    select
        week_start as week_start,
        items as items,
        unrouted_items as unrouted_items
    from {{ ref('metrics_feedback_unrouted_weekly') }}
),

week_problems as (
    -- a week without teams' rows counts as nothing received (no product areas configured)
    select
        unrouted.week_start as week_start,
        'received + unrouted != items' as problem
    from unrouted
    left join by_team
        on unrouted.week_start = by_team.week_start
    where coalesce(by_team.received, 0) + unrouted.unrouted_items != unrouted.items
        or unrouted.unrouted_items > unrouted.items
    union all
    select
        by_team.week_start as week_start,
        'a week of the by-team mart is missing from the unrouted mart' as problem
    from by_team
    left join unrouted
        on by_team.week_start = unrouted.week_start
    where unrouted.week_start is null
    union all
    select
        week_start as week_start,
        'a team resolved more items than it received' as problem
    from by_team
    where teams_over_resolved > 0
),

totals as (
    select
        (select coalesce(sum(items), 0) from unrouted) as mart_items,
        (select count(*) from {{ ref('int_voc__feedback_items') }}) as all_items
)

select week_start, problem from week_problems
union all
select
    cast(null as date) as week_start,
    'the weekly items do not add up to all feedback items' as problem
from totals
where mart_items != all_items

-- Per week: the feedback all teams received (sum over the team mart) against the company's
-- routed items (all items minus the unrouted ones). An item routed to an area of the workspace
-- belongs to exactly one team, so the two must be equal; a week on one side only counts as 0
-- on the other.
with team_totals as (
    select
        feedback.week_start as week_start,
        sum(feedback.feedback_received) as team_feedback_received
    from marts.metrics_feedback_by_team_weekly as feedback
    group by feedback.week_start
),

company as (
    select
        unrouted.week_start as week_start,
        unrouted.items - unrouted.unrouted_items as routed_items
    from marts.metrics_feedback_unrouted_weekly as unrouted
)

select
    coalesce(team_totals.week_start, company.week_start) as week_start,
    coalesce(team_totals.team_feedback_received, 0) as team_feedback_received,
    coalesce(company.routed_items, 0) as routed_items
from team_totals
full outer join company
    on team_totals.week_start = company.week_start
order by coalesce(team_totals.week_start, company.week_start)

-- Every (week, team) row of the routed-feedback mart, with the ISO weekday of week_start and the
-- gap to the team's previous week (the week spine).
-- is_complete_after_incomplete: a complete week after an incomplete one (completeness only moves forward).
select
    feedback.week_start as week_start,
    feedback.team as team,
    feedback.feedback_received as feedback_received,
    feedback.feedback_resolved as feedback_resolved,
    isodow(feedback.week_start) as week_start_isodow,
    feedback.week_start - lag(feedback.week_start) over (
        partition by feedback.team order by feedback.week_start
    ) as days_since_previous_week,
    feedback.is_complete as is_complete,
    -- completeness is monotone (metrics.md 1.6): no complete row after an incomplete one
    feedback.is_complete and exists (
        select 1
        from marts.metrics_feedback_by_team_weekly as earlier
        where not earlier.is_complete
            and earlier.week_start < feedback.week_start
    ) as is_complete_after_incomplete
from marts.metrics_feedback_by_team_weekly as feedback
order by feedback.week_start, feedback.team

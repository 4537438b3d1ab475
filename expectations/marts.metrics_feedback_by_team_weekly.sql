-- Every (week, team) row of the routed-feedback mart, with the ISO weekday of week_start and the
-- gap to the team's previous week (the week spine).
select
    feedback.week_start as week_start,
    feedback.team as team,
    feedback.feedback_received as feedback_received,
    feedback.feedback_resolved as feedback_resolved,
    isodow(feedback.week_start) as week_start_isodow,
    feedback.week_start - lag(feedback.week_start) over (
        partition by feedback.team order by feedback.week_start
    ) as days_since_previous_week
from marts.metrics_feedback_by_team_weekly as feedback
order by feedback.week_start, feedback.team

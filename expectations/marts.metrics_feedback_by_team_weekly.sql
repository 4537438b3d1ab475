-- Every (week, team) row of the routed-feedback mart, with the ISO weekday of week_start and the
-- gap to the team's previous week (the week spine).
-- is_complete_after_incomplete: a complete week after an incomplete one (completeness only moves forward).
select
    feedback.*,
    {{ week_spine_columns('feedback', partition_by='team') }},
    -- completeness is monotone (metrics.md 1.6): no complete row after an incomplete one
    {{ complete_after_incomplete('marts.metrics_feedback_by_team_weekly', 'feedback', 'week_start') }} as is_complete_after_incomplete
from marts.metrics_feedback_by_team_weekly as feedback
order by feedback.week_start, feedback.team

-- Every (week, team) row of the routed-feedback mart, with the ISO weekday of week_start and the
-- gap to the team's previous week (the week spine).
-- is_complete_after_incomplete: a complete week after an incomplete one (completeness only moves forward).
{% from 'mart_checks.sql' import weekly_mart_rows %}
{{ weekly_mart_rows('marts.metrics_feedback_by_team_weekly', partition_by='team') }}

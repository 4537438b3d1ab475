-- Every week of the support response-time mart, with the ISO weekday of week_start and the gap
-- to the previous week (the week spine).
-- is_complete_after_incomplete: a complete week after an incomplete one (completeness only moves forward).
select
    support.*,
    {{ week_spine_columns('support') }},
    -- completeness is monotone (metrics.md 1.6): no complete row after an incomplete one
    {{ complete_after_incomplete('marts.metrics_support_weekly', 'support', 'week_start') }} as is_complete_after_incomplete
from marts.metrics_support_weekly as support
order by support.week_start

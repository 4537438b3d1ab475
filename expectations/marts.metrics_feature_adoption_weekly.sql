-- Every (week, feature) row of the adoption mart, with the ISO weekday of week_start and the
-- gap to the feature's previous week (the week spine).
-- is_complete_after_incomplete: a complete week after an incomplete one (completeness only moves forward).
select
    adoption.*,
    {{ week_spine_columns('adoption', partition_by='feature') }},
    -- completeness is monotone (metrics.md 1.6): no complete row after an incomplete one
    {{ complete_after_incomplete('marts.metrics_feature_adoption_weekly', 'adoption', 'week_start') }} as is_complete_after_incomplete
from marts.metrics_feature_adoption_weekly as adoption
order by adoption.week_start, adoption.feature

-- Every (week, feature) row of the adoption mart, with the ISO weekday of week_start and the
-- gap to the feature's previous week (the week spine).
-- is_complete_after_incomplete: a complete week after an incomplete one (completeness only moves forward).
select
    adoption.week_start as week_start,
    adoption.feature as feature,
    adoption.adopters as adopters,
    adoption.weekly_active_users as weekly_active_users,
    adoption.adoption_rate as adoption_rate,
    isodow(adoption.week_start) as week_start_isodow,
    adoption.week_start - lag(adoption.week_start) over (
        partition by adoption.feature order by adoption.week_start
    ) as days_since_previous_week,
    adoption.is_complete as is_complete,
    -- completeness is monotone (metrics.md 1.6): no complete row after an incomplete one
    adoption.is_complete and exists (
        select 1
        from marts.metrics_feature_adoption_weekly as earlier
        where not earlier.is_complete
            and earlier.week_start < adoption.week_start
    ) as is_complete_after_incomplete
from marts.metrics_feature_adoption_weekly as adoption
order by adoption.week_start, adoption.feature

-- Every (week, feature) row of the adoption mart, with the ISO weekday of week_start and the
-- gap to the feature's previous week (the week spine).
select
    adoption.week_start as week_start,
    adoption.feature as feature,
    adoption.adopters as adopters,
    adoption.weekly_active_users as weekly_active_users,
    adoption.adoption_rate as adoption_rate,
    isodow(adoption.week_start) as week_start_isodow,
    adoption.week_start - lag(adoption.week_start) over (
        partition by adoption.feature order by adoption.week_start
    ) as days_since_previous_week
from marts.metrics_feature_adoption_weekly as adoption
order by adoption.week_start, adoption.feature

-- Every daily cohort of the retention mart.
-- is_complete_after_incomplete: a complete cohort day after an incomplete one (completeness only moves forward).
-- rates_against_complete_days: how many of the cohort's four rates break "null until the day it needs
-- is complete" (day c+N for day_N_retention, c+6 for activation_rate; metrics.md 1.6 and 4). Amplitude's
-- last complete day is read from the daily engagement mart, which reads the same source.
with complete_days as (
    select max(days.date_day) as last_complete_day
    from marts.metrics_active_users_daily as days
    where days.is_complete
)

select
    cohorts.*,
    -- completeness is monotone (metrics.md 1.6): no complete row after an incomplete one
    {{ complete_after_incomplete('marts.metrics_retention_cohorts', 'cohorts', 'cohort_date') }} as is_complete_after_incomplete,
    -- null without a cohort day (cohort_date_present reports that row)
    case when cohorts.cohort_date is not null then cast(
        (cohorts.day_1_retention is null) = coalesce(cohorts.cohort_date + 1 <= complete_days.last_complete_day, false)
        as integer
    )
    + cast(
        (cohorts.day_7_retention is null) = coalesce(cohorts.cohort_date + 7 <= complete_days.last_complete_day, false)
        as integer
    )
    + cast(
        (cohorts.day_28_retention is null) = coalesce(cohorts.cohort_date + 28 <= complete_days.last_complete_day, false)
        as integer
    )
    + cast(
        (cohorts.activation_rate is null) = coalesce(cohorts.cohort_date + 6 <= complete_days.last_complete_day, false)
        as integer
    ) end as rates_against_complete_days
from marts.metrics_retention_cohorts as cohorts
cross join complete_days
order by cohorts.cohort_date

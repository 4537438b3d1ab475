-- Every daily cohort of the retention mart.
-- is_complete_after_incomplete: a complete cohort day after an incomplete one (completeness only moves forward).
-- rates_against_complete_days: how many of the cohort's four rates break "null until the day it needs
-- is complete" (day c+N for day_N_retention, c+6 for activation_rate; metrics.md 1.6 and 4). Amplitude's
-- last complete day is read from the daily engagement mart, which reads the same source.
{% from 'mart_checks.sql' import complete_after_incomplete %}
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
    case when cohorts.cohort_date is not null then
        {%- for rate, days in [('day_1_retention', 1), ('day_7_retention', 7), ('day_28_retention', 28), ('activation_rate', 6)] %}
        {{ '+ ' if not loop.first }}cast(
            (cohorts.{{ rate }} is null) = coalesce(cohorts.cohort_date + {{ days }} <= complete_days.last_complete_day, false)
            as integer
        )
        {%- endfor %}
    end as rates_against_complete_days
from marts.metrics_retention_cohorts as cohorts
cross join complete_days
order by cohorts.cohort_date

-- Every daily cohort of the retention mart.
select
    cohorts.cohort_date as cohort_date,
    cohorts.cohort_size as cohort_size,
    cohorts.day_1_retention as day_1_retention,
    cohorts.day_7_retention as day_7_retention,
    cohorts.day_28_retention as day_28_retention,
    cohorts.activation_rate as activation_rate
from marts.metrics_retention_cohorts as cohorts
order by cohorts.cohort_date

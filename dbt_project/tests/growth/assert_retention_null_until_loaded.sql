-- A cohort rate is null exactly until the day it needs is loaded (metrics.md section 4):
-- day_N_retention needs day c+N, activation_rate needs day c+6 (last_loaded_day in
-- int_events__loaded_days). Returns the cohorts that break the rule.
select
    cohorts.cohort_date,
    loaded_days.last_loaded_day
from {{ ref('metrics_retention_cohorts') }} as cohorts
cross join {{ ref('int_events__loaded_days') }} as loaded_days
where (cohorts.day_1_retention is null) <> (cohorts.cohort_date + 1 > loaded_days.last_loaded_day)
    or (cohorts.day_7_retention is null) <> (cohorts.cohort_date + 7 > loaded_days.last_loaded_day)
    or (cohorts.day_28_retention is null) <> (cohorts.cohort_date + 28 > loaded_days.last_loaded_day)
    or (cohorts.activation_rate is null) <> (cohorts.cohort_date + 6 > loaded_days.last_loaded_day)

-- A cohort rate is null exactly until the day it needs is complete for amplitude (metrics.md
-- sections 1.6 and 4): day_N_retention needs day c+N, activation_rate needs day c+6
-- (int_reporting_days; a day past its last row is incomplete). Returns the cohorts that break
-- the rule.
select
    cohorts.cohort_date,
    cohorts.day_1_retention,
    cohorts.day_7_retention,
    cohorts.day_28_retention,
    cohorts.activation_rate
from {{ ref('metrics_retention_cohorts') }} as cohorts
{%- for n in [1, 6, 7, 28] %}
left join {{ ref('int_reporting_days') }} as day_{{ n }}
    on cohorts.cohort_date + {{ n }} = day_{{ n }}.date_day
{%- endfor %}
where (cohorts.day_1_retention is null) = {{ complete_for('day_1', ['amplitude']) }}
    or (cohorts.day_7_retention is null) = {{ complete_for('day_7', ['amplitude']) }}
    or (cohorts.day_28_retention is null) = {{ complete_for('day_28', ['amplitude']) }}
    or (cohorts.activation_rate is null) = {{ complete_for('day_6', ['amplitude']) }}

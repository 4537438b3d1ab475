-- Retention and activation per daily cohort (metrics.md section 4), from int_user_retention.
-- Every cohort day with members; is_complete: the cohort day itself is complete for amplitude (an
-- incomplete cohort may still grow). A rate is null until the day it needs is complete (day c+N
-- for day_N_retention, day c+6 for activation_rate). Small: rebuilt in full on every run.
select
    cast(members.cohort_date as date) as cohort_date,
    cast(count(*) as bigint) as cohort_size,
    {%- for n in [1, 7, 28] %}
    cast(
        case
            when max(case when members.is_day_{{ n }}_complete then 1 else 0 end) = 1
                then cast(sum(case when members.is_retained_day_{{ n }} then 1 else 0 end) as {{ type_double() }})
                    / count(*)
        end as {{ type_double() }}
    ) as day_{{ n }}_retention,
    {%- endfor %}
    cast(
        case
            when max(case when members.is_activation_complete then 1 else 0 end) = 1
                then cast(sum(case when members.is_activated then 1 else 0 end) as {{ type_double() }}) / count(*)
        end as {{ type_double() }}
    ) as activation_rate,
    max(case when members.is_cohort_day_complete then 1 else 0 end) = 1 as is_complete
from {{ ref('int_user_retention') }} as members
group by members.cohort_date

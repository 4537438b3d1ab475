{{ config(**user_level_config('cohort_date', 'cohort_size = 0')) }}
-- Retention and activation per daily cohort (metrics.md section 4), from int_user_retention.
-- Every cohort day with members; is_complete: the cohort day itself is complete for amplitude (an
-- incomplete cohort may still grow). A rate is null until the day it needs is complete (day c+N
-- for day_N_retention, day c+6 for activation_rate).
--
-- Incremental (delete+insert on cohort_date, macros/incremental/user_level.sql): a cohort's row
-- depends only on its members' rows, so a run recomputes the cohorts of the members the last run
-- of int_user_retention wrote (changed flags, new members, completeness) and the cohorts whose
-- member count changed (a member left). A cohort left without members is deleted.
{%- if is_incremental() %}
with member_counts as (
    select
        members.cohort_date,
        count(*) as cohort_size
    from {{ ref('int_user_retention') }} as members
    group by members.cohort_date
),

recompute_cohorts as (
    select written.cohort_date
    from {{ ref('int_user_retention') }} as written
    where written.loaded_at = {{ user_level_stamp(ref('int_user_retention')) }}
    union
    select stored.cohort_date
    from {{ this }} as stored
    left join member_counts
        on stored.cohort_date = member_counts.cohort_date
    where member_counts.cohort_size is distinct from stored.cohort_size
),

members as (
    select recomputed.*
    from {{ ref('int_user_retention') }} as recomputed
    where recomputed.cohort_date in (select recompute_cohorts.cohort_date from recompute_cohorts)
),
{%- else %}
with members as (
    select all_members.* from {{ ref('int_user_retention') }} as all_members
),
{%- endif %}

cohorts as (
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
    from members
    group by members.cohort_date
)

select
    cohorts.cohort_date,
    cohorts.cohort_size,
    cohorts.day_1_retention,
    cohorts.day_7_retention,
    cohorts.day_28_retention,
    cohorts.activation_rate,
    cohorts.is_complete
from cohorts
{%- if is_incremental() %}
union all
-- tombstones of cohorts left without members (the post-hook deletes them)
select
    cast(recompute_cohorts.cohort_date as date) as cohort_date,
    cast(0 as bigint) as cohort_size,
    {%- for column in ['day_1_retention', 'day_7_retention', 'day_28_retention', 'activation_rate'] %}
    cast(null as {{ type_double() }}) as {{ column }},
    {%- endfor %}
    false as is_complete
from recompute_cohorts
where recompute_cohorts.cohort_date not in (select cohorts.cohort_date from cohorts)
{%- endif %}

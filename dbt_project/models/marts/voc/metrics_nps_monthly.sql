-- NPS by month of submitted_at (reporting timezone), in total (segment 'all') and by the
-- `plan` hidden field (segment 'unknown' when a response has none). metrics.md section 5:
-- promoter = score >= 9, detractor = score <= 6, nps = 100 * (promoters - detractors) /
-- responses. One row per month and segment that has responses. is_complete: the month's last
-- day is complete for typeform (metrics.md 1.6).
with responses as (
    select
        submitted_month as month_start,
        coalesce(plan, 'unknown') as segment,
        nps_category as nps_category
    from {{ ref('int_voc__nps_responses') }}
),

segmented as (
    select month_start, segment, nps_category from responses
    union all
    select month_start, 'all' as segment, nps_category from responses
),

counted as (
    select
        month_start as month_start,
        segment as segment,
        count(*) as responses,
        sum(case when nps_category = 'promoter' then 1 else 0 end) as promoters,
        sum(case when nps_category = 'passive' then 1 else 0 end) as passives,
        sum(case when nps_category = 'detractor' then 1 else 0 end) as detractors
    from segmented
    group by month_start, segment
)

select
    cast(counted.month_start as date) as month_start,
    cast(counted.segment as {{ type_varchar() }}) as segment,
    cast(counted.responses as bigint) as responses,
    cast(counted.promoters as bigint) as promoters,
    cast(counted.passives as bigint) as passives,
    cast(counted.detractors as bigint) as detractors,
    -- integer numerator, one IEEE division: the same double on every database
    cast(100 * (counted.promoters - counted.detractors) as {{ type_double() }})
        / cast(counted.responses as {{ type_double() }}) as nps,
    {{ complete_for('month_end', ['typeform']) }} as is_complete
from counted
left join {{ ref('int_reporting_days') }} as month_end
    on {{ month_last_day('counted.month_start') }} = month_end.date_day

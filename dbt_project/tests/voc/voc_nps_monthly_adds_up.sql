-- metrics_nps_monthly is internally consistent (metrics.md section 5): in every row the
-- categories add up to the responses and nps is 100 * (promoters - detractors) / responses;
-- every month has an 'all' row equal to the sum of its plan segments. Returns offending rows.
with nps as (
    select
        month_start as month_start,
        segment as segment,
        responses as responses,
        promoters as promoters,
        passives as passives,
        detractors as detractors,
        nps as nps
    from {{ ref('metrics_nps_monthly') }}
),

row_problems as (
    select
        month_start as month_start,
        segment as segment,
        'promoters + passives + detractors != responses' as problem
    from nps
    where promoters + passives + detractors != responses
    union all
    select
        month_start as month_start,
        segment as segment,
        'nps != 100 * (promoters - detractors) / responses' as problem
    from nps
    where abs(nps - 100.0 * (promoters - detractors) / responses) > 0.000001
),

month_totals as (
    select
        month_start as month_start,
        sum(case when segment = 'all' then responses else 0 end) as all_responses,
        sum(case when segment = 'all' then promoters else 0 end) as all_promoters,
        sum(case when segment = 'all' then detractors else 0 end) as all_detractors,
        sum(case when segment != 'all' then responses else 0 end) as segment_responses,
        sum(case when segment != 'all' then promoters else 0 end) as segment_promoters,
        sum(case when segment != 'all' then detractors else 0 end) as segment_detractors,
        sum(case when segment = 'all' then 1 else 0 end) as all_rows
    from nps
    group by month_start
)

select month_start, segment, problem from row_problems
union all
select
    month_start as month_start,
    'all' as segment,
    'the all row differs from the sum of the plan segments (or is missing)' as problem
from month_totals
where all_rows != 1
    or all_responses != segment_responses
    or all_promoters != segment_promoters
    or all_detractors != segment_detractors

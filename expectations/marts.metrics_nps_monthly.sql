-- Every (month, segment) row of the NPS mart, with: the day of month of month_start; the sum of
-- the three categories; how far nps is from 100 * (promoters - detractors) / responses; on the
-- 'all' row, the responses of the other segments of the month; whether the month has an 'all' row.
-- is_complete_after_incomplete: a complete month after an incomplete one (completeness only moves forward).
select
    nps.*,
    day(nps.month_start) as month_start_day,
    nps.promoters + nps.passives + nps.detractors as category_total,
    abs(nps.nps - 100.0 * (nps.promoters - nps.detractors) / nullif(nps.responses, 0)) as nps_deviation,
    case
        when nps.segment = 'all' then coalesce(sum(case when nps.segment <> 'all' then nps.responses end) over (
            partition by nps.month_start
        ), 0)
    end as segments_total,
    bool_or(nps.segment = 'all') over (partition by nps.month_start) as month_has_all_segment,
    -- completeness is monotone (metrics.md 1.6): no complete row after an incomplete one
    {{ complete_after_incomplete('marts.metrics_nps_monthly', 'nps', 'month_start') }} as is_complete_after_incomplete
from marts.metrics_nps_monthly as nps
order by nps.month_start, nps.segment

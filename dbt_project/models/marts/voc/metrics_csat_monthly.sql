-- CSAT by month of ticket creation (metrics.md section 5): good / (good + bad) over the
-- tickets created in the month whose satisfaction_rating.score is good or bad (offered and
-- unoffered are not ratings). One row per month of int_voc__support_calendar; csat is null
-- when no ticket of the month is rated. is_complete: the month's last day is complete for
-- zendesk (metrics.md 1.6).
with months as (
    select distinct month_start as month_start
    from {{ ref('int_voc__support_calendar') }}
),

rated as (
    select
        created_month as month_start,
        count(*) as rated_tickets,
        sum(case when satisfaction_score = 'good' then 1 else 0 end) as good_tickets
    from {{ ref('int_voc__tickets') }}
    where satisfaction_score in ('good', 'bad')
    group by created_month
)

select
    cast(months.month_start as date) as month_start,
    cast(coalesce(rated.rated_tickets, 0) as bigint) as rated_tickets,
    cast(rated.good_tickets as {{ type_double() }}) / cast(rated.rated_tickets as {{ type_double() }}) as csat,
    {{ complete_for('month_end', ['zendesk']) }} as is_complete
from months
left join {{ ref('int_reporting_days') }} as month_end
    on {{ month_last_day('months.month_start') }} = month_end.date_day
left join rated
    on months.month_start = rated.month_start

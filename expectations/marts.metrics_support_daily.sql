-- Every day of the support mart, with the gap to the previous day (the date spine).
select
    support.date_day as date_day,
    support.tickets_created as tickets_created,
    support.tickets_solved as tickets_solved,
    support.date_day - lag(support.date_day) over (order by support.date_day) as days_since_previous
from marts.metrics_support_daily as support
order by support.date_day

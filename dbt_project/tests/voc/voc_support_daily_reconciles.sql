-- metrics_support_daily accounts for every ticket exactly once (metrics.md section 5): its
-- tickets_created add up to the non-deleted tickets, its tickets_solved to the tickets now
-- solved or closed that have a solved_at. A day missing from the mart, or a deleted ticket
-- counted, shows up here. Returns the totals when they differ.
with mart as (
    select
        coalesce(sum(tickets_created), 0) as mart_created,
        coalesce(sum(tickets_solved), 0) as mart_solved
    from {{ ref('metrics_support_daily') }}
),

tickets as (
    select
        count(*) as tickets_created,
        coalesce(sum(case when status in ('solved', 'closed') and solved_at is not null then 1 else 0 end), 0)
            as tickets_solved
    from {{ ref('stg_zendesk__tickets') }}
    where not is_deleted
)

select
    mart.mart_created as mart_created,
    tickets.tickets_created as tickets_created,
    mart.mart_solved as mart_solved,
    tickets.tickets_solved as tickets_solved
from mart
cross join tickets
where mart.mart_created != tickets.tickets_created
    or mart.mart_solved != tickets.tickets_solved

-- Latest version of each ticket whose latest version was extracted in the recent window.
select
    tickets.ticket_id as ticket_id,
    tickets.status as status,
    tickets.is_solved as is_solved,
    tickets.created_at as created_at,
    tickets.updated_at as updated_at,
    tickets.solved_at as solved_at,
    tickets.satisfaction_score as satisfaction_score,
    tickets.source_dt as source_dt
from staging.stg_zendesk__tickets as tickets
where tickets.source_dt > cast($reference_day as date) - $window_days
order by tickets.ticket_id

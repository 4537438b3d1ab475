-- The governed definition of a support ticket (metrics.md section 5): the latest version of
-- each ticket id, deleted tickets excluded everywhere. Days, weeks and months are in the
-- reporting timezone (var reporting_timezone).
select
    ticket_id as ticket_id,
    status as status,
    is_solved as is_solved,
    subject as subject,
    tags as tags,
    satisfaction_score as satisfaction_score,
    created_at as created_at,
    {{ voc_reporting_day('created_at') }} as created_day,
    {{ voc_reporting_week('created_at') }} as created_week,
    {{ voc_reporting_month('created_at') }} as created_month,
    solved_at as solved_at,
    {{ voc_reporting_day('solved_at') }} as solved_day,
    {{ voc_reporting_week('solved_at') }} as solved_week,
    reply_time_calendar_minutes as reply_time_calendar_minutes,
    full_resolution_time_calendar_minutes as full_resolution_time_calendar_minutes,
    updated_at as updated_at
from {{ ref('stg_zendesk__tickets') }}
where not is_deleted

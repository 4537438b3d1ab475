{{ config(materialized='view') }}
-- THE definition of an active user (metrics.md sections 1.5 and 3), used by every mart and by
-- the semantic layer: a non-excluded resolved user with at least one qualifying valid event
-- on the day. Qualifying = the event type is in the tracking plan with counts_as_active true,
-- whatever its status; unplanned events never qualify. A view, so a change of the plan or of
-- the exclusions applies to every day at once.
select
    days.user_id,
    days.activity_date as date_day,
    cast(sum(days.valid_events) as bigint) as qualifying_events
from {{ ref('int_user_event_days') }} as days
inner join {{ ref('stg_workspace__tracking_plan_events') }} as plan
    on days.event_type = plan.event_type
inner join {{ ref('int_users') }} as users
    on days.user_id = users.user_id
where plan.counts_as_active
    and days.valid_events > 0
    and not users.is_excluded
group by
    days.user_id,
    days.activity_date

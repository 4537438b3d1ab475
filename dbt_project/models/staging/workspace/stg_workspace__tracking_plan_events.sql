-- The tracking plan's event types (tracking_plan.yml), one row per event type.
select
    event_type as event_type,
    feature as feature,
    owner as owner,
    status as status,
    cast(counts_as_active as boolean) as counts_as_active
from {{ source('workspace', 'tracking_plan_events') }}

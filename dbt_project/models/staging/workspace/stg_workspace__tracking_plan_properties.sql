-- The tracking plan's property schema, one row per (event type, property).
select
    event_type as event_type,
    property_name as property_name,
    property_type as property_type,
    cast(is_required as boolean) as is_required,
    allowed_values as allowed_values_json
from {{ source('workspace', 'tracking_plan_properties') }}

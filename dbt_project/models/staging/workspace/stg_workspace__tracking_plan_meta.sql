-- Plan-wide settings of the tracking plan (one row).
select
    naming_rule as naming_rule
from {{ source('workspace', 'tracking_plan_meta') }}

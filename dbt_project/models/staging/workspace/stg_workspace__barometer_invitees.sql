-- PMs invited to each product barometer edition (barometer_invitees.csv), emails lower-cased
-- so they compare with the survey's hidden pm_email whatever its case.
select
    edition as edition,
    lower(trim(pm_email)) as pm_email
from {{ source('workspace', 'barometer_invitees') }}

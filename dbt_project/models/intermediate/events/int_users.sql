-- One row per resolved user (metrics.md section 2): first seen day and exclusion.
-- first_seen_date: day of the earliest valid event of any type, planned or not.
-- Excluded: any deduplicated event (valid or not) with user_properties.is_test = true (a JSON
-- boolean), or with an email whose domain is in the var internal_email_domains.
-- A table rebuilt on every run from the (small) user-day aggregate, so a change of
-- internal_email_domains applies at once.
with per_user as (
    select
        days.user_id,
        min(case when days.valid_events > 0 then days.activity_date end) as first_seen_date,
        max(case when days.test_flagged_events > 0 then 1 else 0 end) as has_test_flag,
        max(case when {{ is_internal_email_domain('days.user_email_domain') }} then 1 else 0 end)
            as has_internal_email
    from {{ ref('int_user_event_days') }} as days
    group by days.user_id
)

select
    per_user.user_id,
    per_user.first_seen_date,
    per_user.has_test_flag = 1 as is_test_user,
    per_user.has_internal_email = 1 as is_internal_user,
    per_user.has_test_flag = 1 or per_user.has_internal_email = 1 as is_excluded
from per_user

{{ config(**user_level_config('user_id', 'first_activity_date is null')) }}
-- depends_on: {{ ref('int_events__deduplicated') }}, {{ ref('int_devices') }} (the recompute days of a night)
-- One row per resolved user (metrics.md section 2): first seen day and exclusion.
-- first_seen_date: day of the earliest valid event of any type, planned or not.
-- Excluded: any deduplicated event (valid or not) with user_properties.is_test = true (a JSON
-- boolean), or with an email whose domain is in the var internal_email_domains.
--
-- Incremental (delete+insert on user_id, macros/incremental/user_level.sql): a user's row depends
-- only on the user's user-days, so a run recomputes from their full history the users with
-- user-days written since this table's stamp (the days int_user_event_days recomputed), and the
-- users that may have lost the rows their values came from: those whose first activity, first
-- seen, first test-flagged or first internal-email day is one of those recomputed days (a flag or
-- a first day kept elsewhere stands). A user left without user-days is deleted. A change of var
-- internal_email_domains needs a full refresh.
{%- if is_incremental() %}
{%- set lost_a_first_day -%}
    exists (
        select 1
        from recompute_days
        where recompute_days.activity_date in (
            stored.first_activity_date, stored.first_seen_date, stored.first_test_flag_date,
            stored.first_internal_email_date
        )
    )
{%- endset %}
{{ user_level_affected_users(ref('int_user_event_days'), lost_a_first_day) }}

per_user as (
{%- else %}
with per_user as (
{%- endif %}
    select
        days.user_id,
        min(days.activity_date) as first_activity_date,
        min(case when days.valid_events > 0 then days.activity_date end) as first_seen_date,
        min(case when days.test_flagged_events > 0 then days.activity_date end) as first_test_flag_date,
        min(case when {{ is_internal_email_domain('days.user_email_domain') }} then days.activity_date end)
            as first_internal_email_date
    from {{ ref('int_user_event_days') }} as days
    {%- if is_incremental() %}
    where days.user_id in (select affected_users.user_id from affected_users)
    {%- endif %}
    group by days.user_id
)

select
    per_user.user_id,
    per_user.first_seen_date,
    per_user.first_test_flag_date is not null as is_test_user,
    per_user.first_internal_email_date is not null as is_internal_user,
    per_user.first_test_flag_date is not null or per_user.first_internal_email_date is not null as is_excluded,
    per_user.first_activity_date,
    per_user.first_test_flag_date,
    per_user.first_internal_email_date,
    {{ user_level_stamp(ref('int_user_event_days')) }} as loaded_at
from per_user
{%- if is_incremental() %}
union all
-- tombstones of affected users left without user-days (the post-hook deletes them)
select
    affected_users.user_id,
    cast(null as date) as first_seen_date,
    cast(null as boolean) as is_test_user,
    cast(null as boolean) as is_internal_user,
    cast(null as boolean) as is_excluded,
    cast(null as date) as first_activity_date,
    cast(null as date) as first_test_flag_date,
    cast(null as date) as first_internal_email_date,
    {{ user_level_stamp(ref('int_user_event_days')) }} as loaded_at
from affected_users
where affected_users.user_id not in (select per_user.user_id from per_user)
{%- endif %}

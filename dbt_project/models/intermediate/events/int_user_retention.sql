{{ config(**user_level_config('user_id', 'cohort_date is null')) }}
-- depends_on: {{ ref('int_events__deduplicated') }}, {{ ref('int_devices') }} (the recompute days of a night)
-- One row per cohort member (metrics.md section 4): non-excluded resolved users, cohort day
-- = first_seen_date. Flags say whether the user was active (int_active_users_daily) on day c+1,
-- c+7, c+28 and fired the var activation_event (a valid event, any day in [c, c+6]); the
-- is_*_complete flags say whether the day each needs is complete for amplitude (metrics.md 1.6,
-- int_reporting_days), so rates stay null until then. Feeds metrics_retention_cohorts and the
-- semantic layer.
--
-- Incremental (delete+insert on user_id, macros/incremental/user_level.sql): a member's row
-- depends on the member's int_users row, user-days on days c..c+7 and c+28, and the completeness
-- of c, c+1, c+6, c+7, c+28. A run recomputes the users int_users recomputed since this table's
-- stamp, the members whose day c..c+7 or c+28 int_user_event_days recomputed (a lost active day),
-- and the members with a day still incomplete (completeness only ever turns true). A user that is
-- no longer a member (excluded, no valid event left, gone) is deleted. A change of var
-- activation_event or of the plan's counts_as_active needs a full refresh.
{%- set member_offsets = [0, 1, 2, 3, 4, 5, 6, 7, 28] %}
{%- if is_incremental() %}
{%- set incomplete_or_reached -%}
    not (
        stored.is_cohort_day_complete and stored.is_day_1_complete and stored.is_day_7_complete
        and stored.is_day_28_complete and stored.is_activation_complete
    )
    or stored.cohort_date in (
        {%- for offset in member_offsets %}
        select recompute_days.activity_date - {{ offset }} from recompute_days
        {{- ' union all' if not loop.last }}
        {%- endfor %}
    )
{%- endset %}
{{ user_level_affected_users(ref('int_users'), incomplete_or_reached) }}

cohort_members as (
{%- else %}
with cohort_members as (
{%- endif %}
    select
        users.user_id,
        users.first_seen_date as cohort_date
    from {{ ref('int_users') }} as users
    where not users.is_excluded
        and users.first_seen_date is not null
        {%- if is_incremental() %}
        and users.user_id in (select affected_users.user_id from affected_users)
        {%- endif %}
),

returns as (
    select
        cohort_members.user_id,
        max(case when active.date_day = cohort_members.cohort_date + 1 then 1 else 0 end) as day_1,
        max(case when active.date_day = cohort_members.cohort_date + 7 then 1 else 0 end) as day_7,
        max(case when active.date_day = cohort_members.cohort_date + 28 then 1 else 0 end) as day_28
    from cohort_members
    inner join {{ ref('int_active_users_daily') }} as active
        on cohort_members.user_id = active.user_id
        and active.date_day in (
            cohort_members.cohort_date + 1, cohort_members.cohort_date + 7, cohort_members.cohort_date + 28
        )
    group by cohort_members.user_id
),

activations as (
    select distinct cohort_members.user_id
    from cohort_members
    inner join {{ ref('int_user_event_days') }} as days
        on cohort_members.user_id = days.user_id
        and days.activity_date between cohort_members.cohort_date and cohort_members.cohort_date + 6
    where days.event_type = '{{ var("activation_event") | replace("'", "''") }}'
        and days.valid_events > 0
),

-- completeness of each cohort day and of the days its rates need (a day past the calendar is incomplete)
cohort_days as (
    select distinct cohort_members.cohort_date
    from cohort_members
),

cohort_completeness as (
    select
        cohort_days.cohort_date,
        {{ complete_for('cohort_day', ['amplitude']) }} as is_cohort_day_complete,
        {{ complete_for('day_1', ['amplitude']) }} as is_day_1_complete,
        {{ complete_for('day_7', ['amplitude']) }} as is_day_7_complete,
        {{ complete_for('day_28', ['amplitude']) }} as is_day_28_complete,
        {{ complete_for('day_6', ['amplitude']) }} as is_activation_complete
    from cohort_days
    {%- for alias, offset in [('cohort_day', 0), ('day_1', 1), ('day_7', 7), ('day_28', 28), ('day_6', 6)] %}
    left join {{ ref('int_reporting_days') }} as {{ alias }}
        on cohort_days.cohort_date + {{ offset }} = {{ alias }}.date_day
    {%- endfor %}
)

select
    cohort_members.user_id,
    cohort_members.cohort_date,
    coalesce(returns.day_1, 0) = 1 as is_retained_day_1,
    coalesce(returns.day_7, 0) = 1 as is_retained_day_7,
    coalesce(returns.day_28, 0) = 1 as is_retained_day_28,
    activations.user_id is not null as is_activated,
    cohort_completeness.is_cohort_day_complete,
    cohort_completeness.is_day_1_complete,
    cohort_completeness.is_day_7_complete,
    cohort_completeness.is_day_28_complete,
    cohort_completeness.is_activation_complete,
    {{ user_level_stamp(ref('int_users')) }} as loaded_at
from cohort_members
inner join cohort_completeness
    on cohort_members.cohort_date = cohort_completeness.cohort_date
left join returns
    on cohort_members.user_id = returns.user_id
left join activations
    on cohort_members.user_id = activations.user_id
{%- if is_incremental() %}
union all
-- tombstones of affected users that are no longer members (the post-hook deletes them)
select
    affected_users.user_id,
    cast(null as date) as cohort_date,
    {%- for column in [
        'is_retained_day_1', 'is_retained_day_7', 'is_retained_day_28', 'is_activated', 'is_cohort_day_complete',
        'is_day_1_complete', 'is_day_7_complete', 'is_day_28_complete', 'is_activation_complete',
    ] %}
    cast(null as boolean) as {{ column }},
    {%- endfor %}
    {{ user_level_stamp(ref('int_users')) }} as loaded_at
from affected_users
where affected_users.user_id not in (select cohort_members.user_id from cohort_members)
{%- endif %}

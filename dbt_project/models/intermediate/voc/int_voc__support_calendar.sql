-- The days the support marts report on: every day from the first day with support activity (a
-- non-deleted ticket created, or solved) to the last one or, when later, the last day complete for
-- zendesk (metrics.md 1.6: a complete quiet day is a real zero), with no gaps, so a quiet day shows
-- zeros instead of being absent. Weeks (ISO, Monday) and months of those days give the weekly and
-- monthly marts their rows. Empty when there are no tickets.
with activity_days as (
    select created_day as activity_day from {{ ref('int_voc__tickets') }}
    union all
    select solved_day as activity_day from {{ ref('int_voc__tickets') }} where is_solved
),

bounds as (
    select
        min(activity_day) as first_day,
        greatest(max(activity_day), {{ last_complete_day(['zendesk']) }}) as last_day
    from activity_days
),

days as (
    select spine.date_day as date_day
    from bounds
    {{ day_series('bounds.first_day', 'bounds.last_day', 'spine') }}
)

select
    date_day as date_day,
    {{ iso_week_start('date_day') }} as week_start,
    cast(date_trunc('month', cast(date_day as timestamp)) as date) as month_start
from days

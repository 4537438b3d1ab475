-- Which recorded snapshot of the metric definitions this build reads (one row): the latest one
-- recorded for a reference day up to the audit's reference day (any, when no event is loaded),
-- and the snapshot before it, which needs_recertification compares against. Nulls when
-- nothing is recorded yet.
with reference_day as (
    select max(ref_window.reference_date) as reference_date
    from {{ ref('int_audit__reference_window') }} as ref_window
),

current_snapshot as (
    select max(definitions.reference_date) as snapshot_date
    from {{ ref('int_audit__recorded_metric_definitions') }} as definitions
    cross join reference_day
    where reference_day.reference_date is null
        or definitions.reference_date <= reference_day.reference_date
)

select
    cast(current_snapshot.snapshot_date as date) as snapshot_date,
    cast((
        select max(earlier.reference_date)
        from {{ ref('int_audit__recorded_metric_definitions') }} as earlier
        where earlier.reference_date < current_snapshot.snapshot_date
    ) as date) as previous_snapshot_date
from current_snapshot

{{ config(**audit_reference_day_config(on_schema_change='append_new_columns', extra_pre_hooks=[
    "{% if can_delete_rows() %}alter table {{ this }} drop column if exists example_event_properties{% endif %}",
    "{% if can_delete_rows() %}alter table {{ this }} drop column if exists example_event_key{% endif %}",
])) }}
-- depends_on: {{ ref('int_audit__reference_window') }} (read by the pre-hook)
-- Property violations of the hygiene window per (event type, property, kind), with one example
-- each: the violating event with the smallest event key (so the example is stable), named by its
-- Amplitude uuid, and the JSON type of its offending value. A governed table PMs read: never the
-- value, the payload or the event key (insert_id is set by the client and may hold anything). A
-- table audited before holds those columns: the pre-hooks drop them (history included), and the
-- new columns are appended (null on the rows audited before).
-- The property_violation rows of tracking_plan_findings summarize these.
-- Kept per reference day (an audit run replaces its own day's rows only). Read from the per-day
-- checks (int_audit__daily_property_checks): counts add up over the window's days, and the
-- window's example is the smallest-keyed of its days' examples.
with ranked as (
    -- the window's days of the per-day property checks (int_audit__daily_property_checks)
    select
        ref_window.reference_date,
        daily.event_type,
        daily.property_name,
        daily.property_type,
        daily.violation,
        daily.example_event_key,
        daily.example_event_uuid,
        daily.example_value_type,
        sum(daily.violating_events) over (
            partition by ref_window.reference_date, daily.event_type, daily.property_name, daily.violation
        ) as violating_events,
        row_number() over (
            partition by ref_window.reference_date, daily.event_type, daily.property_name, daily.violation
            order by {{ ordered_text('daily.example_event_key') }}
        ) as example_rank
    from {{ audit_window_days_from('int_audit__daily_property_checks', 'daily') }}
    where daily.property_name is not null
)

select
    cast(ranked.reference_date as date) as reference_date,
    cast(ranked.event_type as {{ type_text() }}) as event_type,
    cast(ranked.property_name as {{ type_text() }}) as property_name,
    cast(ranked.property_type as {{ type_text() }}) as property_type,
    cast(ranked.violation as {{ type_text() }}) as violation,
    cast(ranked.violating_events as bigint) as violating_events,
    cast(ranked.example_event_uuid as {{ type_text() }}) as example_event_uuid,
    cast(ranked.example_value_type as {{ type_text() }}) as example_value_type
from ranked
where ranked.example_rank = 1

-- The usage ledger agrees with the findings and the volume shares on every reference day.
-- Returns the event types where they disagree, with the reason.
with ledger as (
    select
        ledger_rows.reference_date,
        ledger_rows.event_type,
        ledger_rows.events_in_window,
        ledger_rows.is_billed_but_unused
    from {{ ref('event_usage_ledger') }} as ledger_rows
),

flagged as (
    select
        findings.reference_date,
        findings.event_type
    from {{ ref('tracking_plan_findings') }} as findings
    where findings.finding = 'billed_but_unused'
)

select
    ledger.reference_date,
    ledger.event_type,
    'ledger flags billed_but_unused without a finding' as reason
from ledger
left join flagged
    on ledger.reference_date = flagged.reference_date
    and ledger.event_type = flagged.event_type
where ledger.is_billed_but_unused
    and flagged.event_type is null

union all

select
    flagged.reference_date,
    flagged.event_type,
    'billed_but_unused finding the ledger does not flag' as reason
from flagged
left join ledger
    on flagged.reference_date = ledger.reference_date
    and flagged.event_type = ledger.event_type
where not coalesce(ledger.is_billed_but_unused, false)

union all

select
    shares.reference_date,
    shares.event_type,
    'ledger volume differs from event_volume_share' as reason
from {{ ref('event_volume_share') }} as shares
left join ledger
    on shares.reference_date = ledger.reference_date
    and shares.event_type = ledger.event_type
where ledger.events_in_window is distinct from shares.events_in_window

-- The usage ledger agrees with the findings and the volume shares on every reference day.
-- Returns the event types where they disagree, with the reason.
with flagged as (
    select
        findings.reference_date,
        findings.event_type
    from {{ ref('tracking_plan_findings') }} as findings
    where findings.finding = 'billed_but_unused'
)

-- flagged by one side only (an event type the ledger lacks counts as not flagged by it)
select
    coalesce(ledger.reference_date, flagged.reference_date) as reference_date,
    coalesce(ledger.event_type, flagged.event_type) as event_type,
    case
        when flagged.event_type is null then 'ledger flags billed_but_unused without a finding'
        else 'billed_but_unused finding the ledger does not flag'
    end as reason
from {{ ref('event_usage_ledger') }} as ledger
full outer join flagged
    on ledger.reference_date = flagged.reference_date
    and ledger.event_type = flagged.event_type
where coalesce(ledger.is_billed_but_unused, false) <> (flagged.event_type is not null)

union all

select
    shares.reference_date,
    shares.event_type,
    'ledger volume differs from event_volume_share' as reason
from {{ ref('event_volume_share') }} as shares
left join {{ ref('event_usage_ledger') }} as ledger
    on shares.reference_date = ledger.reference_date
    and shares.event_type = ledger.event_type
where ledger.events_in_window is distinct from shares.events_in_window

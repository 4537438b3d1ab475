{{ config(**audit_reference_day_config()) }}
-- depends_on: {{ ref('int_audit__reference_window') }} (read by the pre-hook)
-- The usage ledger: for each event type (seen in the hygiene window, or in the plan), its volume
-- and the governed dbt models and metrics that depend on it. An event type feeds a channel of
-- int_audit__usage_channels by its type (a qualifying event, the activation event, a plan
-- event's feature); it then feeds the channel's entry models, every model downstream of them
-- (recorded dbt lineage; audit models excluded, they observe) and every governed metric whose
-- measures read one of those models (and use the channel's measure column, when it has one).
--
-- Billed but unused: events_in_window > 0 and no channel. Rule: feeding only the type-blind
-- plumbing every event goes through (deduplication, identity stitching, first_seen_date, user
-- exclusions) does not count as use: those would come out the same from the user's other events,
-- and no governed number is defined on that event type. Kept per reference day.
with plan as (
    select
        plan_events.event_type,
        plan_events.status,
        plan_events.owner,
        plan_events.counts_as_active
    from {{ ref('stg_workspace__tracking_plan_events') }} as plan_events
),

volumes as (
    select
        volume_share.event_type,
        volume_share.events_in_window,
        volume_share.volume_share
    from {{ audit_reference_day_from('event_volume_share', 'volume_share') }}
),

event_types as (
    select volumes.event_type from volumes
    union
    select plan.event_type from plan
),

typed as (
    select
        ref_window.reference_date,
        event_types.event_type,
        coalesce(plan.status, 'unplanned') as plan_status,
        plan.owner,
        plan.event_type is not null as is_planned,
        coalesce(plan.counts_as_active, false) as counts_as_active,
        coalesce(volumes.events_in_window, 0) as events_in_window,
        coalesce(volumes.volume_share, 0) as volume_share
    from event_types
    cross join {{ ref('int_audit__reference_window') }} as ref_window
    left join plan
        on event_types.event_type = plan.event_type
    left join volumes
        on event_types.event_type = volumes.event_type
),

event_channels as (
    select typed.event_type, 'active_user' as channel
    from typed
    where typed.counts_as_active
    union all
    select typed.event_type, 'activation' as channel
    from typed
    where typed.event_type = '{{ var("activation_event") | replace("'", "''") }}'
    union all
    select typed.event_type, 'feature_adoption' as channel
    from typed
    where typed.is_planned
),

snapshot_lineage as (
    {{ audit_snapshot_rows('int_audit__recorded_model_lineage', 'lineage', ['model_name', 'ancestor_name']) }}
),

using_models as (
    -- every recorded model but the audit ones: they observe the others and use no event
    {{ audit_snapshot_rows('int_audit__recorded_project_models', 'project_models', ['model_name']) }}
    where project_models.layer <> 'audit'
),

snapshot_measures as (
    {{ audit_snapshot_rows('int_audit__recorded_metric_measures', 'measures', ['metric_name', 'model_name', 'measure_expr']) }}
),

channel_models as (
    select
        channels.channel,
        channels.entry_model as model_name
    from {{ ref('int_audit__usage_channels') }} as channels
    union
    select
        channels.channel,
        lineage.model_name
    from {{ ref('int_audit__usage_channels') }} as channels
    inner join snapshot_lineage as lineage
        on lineage.ancestor_name = channels.entry_model
    inner join using_models
        on using_models.model_name = lineage.model_name
),

channel_metrics as (
    select distinct
        channels.channel,
        measures.metric_name
    from {{ ref('int_audit__usage_channels') }} as channels
    inner join channel_models
        on channels.channel = channel_models.channel
    inner join snapshot_measures as measures
        on measures.model_name = channel_models.model_name
    where channels.measure_column is null
        or {{ dbt.position('channels.measure_column', 'measures.measure_expr') }} > 0
),

fed_channels as (
    select
        event_channels.event_type,
        {{ ordered_string_agg('event_channels.channel', ', ', ['event_channels.channel'], distinct=true) }} as usage_channels
    from event_channels
    group by event_channels.event_type
),

fed_models as (
    select
        event_channels.event_type,
        {{ ordered_string_agg('channel_models.model_name', ', ', ['channel_models.model_name'], distinct=true) }} as feeding_models
    from event_channels
    inner join channel_models
        on event_channels.channel = channel_models.channel
    group by event_channels.event_type
),

fed_metrics as (
    select
        event_channels.event_type,
        {{ ordered_string_agg('channel_metrics.metric_name', ', ', ['channel_metrics.metric_name'], distinct=true) }}
            as feeding_metrics
    from event_channels
    inner join channel_metrics
        on event_channels.channel = channel_metrics.channel
    group by event_channels.event_type
)

select
    cast(typed.reference_date as date) as reference_date,
    cast(typed.event_type as {{ type_text() }}) as event_type,
    cast(typed.plan_status as {{ type_text() }}) as plan_status,
    cast(typed.owner as {{ type_text() }}) as owner,
    cast(typed.events_in_window as bigint) as events_in_window,
    cast(typed.volume_share as {{ type_double() }}) as volume_share,
    cast(fed_channels.usage_channels as {{ type_text() }}) as usage_channels,
    cast(fed_models.feeding_models as {{ type_text() }}) as feeding_models,
    cast(fed_metrics.feeding_metrics as {{ type_text() }}) as feeding_metrics,
    typed.events_in_window > 0 and fed_channels.event_type is null as is_billed_but_unused
from typed
left join fed_channels
    on typed.event_type = fed_channels.event_type
left join fed_models
    on typed.event_type = fed_models.event_type
left join fed_metrics
    on typed.event_type = fed_metrics.event_type

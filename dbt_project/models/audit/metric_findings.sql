-- Metric hygiene findings (metrics.md sections 7-8), one row per (metric, finding), from the
-- snapshot of the dbt project that insights.hygiene recorded for the audit's reference day (the
-- latest one up to it). Codes:
--   missing_owner, missing_description        a governed metric without meta.owner / description;
--   duplicate_definition                      the same normalized definition as another metric;
--   needs_recertification                     the hash of the compiled definition differs from
--                                             the one recorded by the previous audit run;
--   active_user_outside_shared_model          a mart (metric_name holds the mart's name) that
--                                             counts distinct users from the events models
--                                             without reading the shared int_active_users_daily.
-- A table rebuilt on every run: the current state of the metric definitions.
{%- set shared_model = 'int_active_users_daily' %}
{%- set events_source_model = 'stg_amplitude__events' %}
with current_metrics as (
    {{ audit_snapshot_rows('int_audit__recorded_metric_definitions', 'definitions', [
        'metric_name', 'owner', 'description', 'normalized_definition', 'definition_hash', 'source_file']) }}
),

previous_metrics as (
    {{ audit_snapshot_rows('int_audit__recorded_metric_definitions', 'definitions',
        ['metric_name', 'definition_hash', 'reference_date'], snapshot='previous_snapshot_date') }}
),
{#- missing_owner, missing_description: a governed metric without the field (as its YAML names it) #}
{%- for field, yaml_name in [('owner', 'meta.owner'), ('description', 'description')] %}

missing_{{ field }} as (
    select
        current_metrics.metric_name,
        'missing_{{ field }}' as finding,
        'no {{ yaml_name }} (defined in ' || coalesce(current_metrics.source_file, '?') || ')' as detail
    from current_metrics
    where current_metrics.{{ field }} is null
),
{%- endfor %}

duplicate_definition as (
    select
        current_metrics.metric_name,
        'duplicate_definition' as finding,
        'same normalized definition as '
            || {{ ordered_string_agg('twins.metric_name', ', ', ['twins.metric_name']) }} as detail
    from current_metrics
    inner join current_metrics as twins
        on current_metrics.normalized_definition = twins.normalized_definition
        and current_metrics.metric_name <> twins.metric_name
    group by current_metrics.metric_name
),

needs_recertification as (
    select
        current_metrics.metric_name,
        'needs_recertification' as finding,
        'compiled definition changed since the audit of ' || cast(previous_metrics.reference_date as {{ type_text() }})
            || ' (hash ' || substr(previous_metrics.definition_hash, 1, 12) || ' -> '
            || substr(current_metrics.definition_hash, 1, 12) || ')' as detail
    from current_metrics
    inner join previous_metrics
        on current_metrics.metric_name = previous_metrics.metric_name
    where current_metrics.definition_hash <> previous_metrics.definition_hash
),

marts as (
    {{ audit_snapshot_rows('int_audit__recorded_project_models', 'project_models',
        ['model_name', 'resource_path', 'counts_distinct_users']) }}
    where project_models.layer = 'marts'
),

snapshot_lineage as (
    {{ audit_snapshot_rows('int_audit__recorded_model_lineage', 'lineage', ['model_name', 'ancestor_name']) }}
),

active_user_outside_shared_model as (
    select
        marts.model_name as metric_name,
        'active_user_outside_shared_model' as finding,
        'mart ' || marts.resource_path || ' counts distinct users from the events models without reading '
            || '{{ shared_model }}, the single active-user definition' as detail
    from marts
    where marts.counts_distinct_users
        and exists (
            select 1 from snapshot_lineage
            where snapshot_lineage.model_name = marts.model_name
                and snapshot_lineage.ancestor_name = '{{ events_source_model }}'
        )
        and not exists (
            select 1 from snapshot_lineage
            where snapshot_lineage.model_name = marts.model_name
                and snapshot_lineage.ancestor_name = '{{ shared_model }}'
        )
),

findings as (
    select metric_name, finding, detail from missing_owner
    union all
    select metric_name, finding, detail from missing_description
    union all
    select metric_name, finding, detail from duplicate_definition
    union all
    select metric_name, finding, detail from needs_recertification
    union all
    select metric_name, finding, detail from active_user_outside_shared_model
)

select
    cast(findings.metric_name as {{ type_text() }}) as metric_name,
    cast(findings.finding as {{ type_text() }}) as finding,
    cast(findings.detail as {{ type_text() }}) as detail
from findings

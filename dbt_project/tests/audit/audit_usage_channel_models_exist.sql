-- Every entry model of the usage ledger's channels exists in the latest recorded snapshot of
-- the dbt project (no rows to check before the first audit run). Returns the missing models.
with latest_snapshot as (
    select max(project_models.reference_date) as reference_date
    from {{ ref('int_audit__recorded_project_models') }} as project_models
)

select
    channels.channel,
    channels.entry_model
from {{ ref('int_audit__usage_channels') }} as channels
cross join latest_snapshot
where latest_snapshot.reference_date is not null
    and not exists (
        select 1
        from {{ ref('int_audit__recorded_project_models') }} as project_models
        where project_models.reference_date = latest_snapshot.reference_date
            and project_models.model_name = channels.entry_model
    )

{{ config(materialized='view') }}
-- The recorded models of the dbt project (source hygiene.project_models), or no row before the
-- first audit run recorded any.
{{ audit_recorded_rows('project_models', 'models', [
    ['reference_date', 'date'],
    ['model_name', 'text'],
    ['resource_path', 'text'],
    ['layer', 'text'],
    ['owner', 'text'],
    ['counts_distinct_users', 'boolean'],
]) }}

{{ config(materialized='view') }}
-- The recorded model lineage (source hygiene.model_lineage: every model with each model upstream
-- of it, transitively), or no row before the first audit run recorded any.
{{ audit_recorded_rows('model_lineage', 'lineage', [
    ['reference_date', 'date'],
    ['model_name', 'text'],
    ['ancestor_name', 'text'],
]) }}

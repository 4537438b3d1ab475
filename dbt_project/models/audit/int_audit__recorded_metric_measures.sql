{{ config(materialized='view') }}
-- The recorded (metric, measure, model) rows (source hygiene.metric_measures), or no row before
-- the first audit run recorded any.
{{ audit_recorded_rows('metric_measures', 'measures', [
    ['reference_date', 'date'],
    ['metric_name', 'text'],
    ['measure_name', 'text'],
    ['model_name', 'text'],
    ['measure_expr', 'text'],
]) }}

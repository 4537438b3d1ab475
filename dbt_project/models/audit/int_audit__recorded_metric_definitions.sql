{{ config(materialized='view') }}
-- The recorded metric definitions (source hygiene.metric_definitions), or no row before the
-- first audit run recorded any: the nightly build of this folder must work on a fresh warehouse.
{{ audit_recorded_rows('metric_definitions', 'definitions', [
    ['reference_date', 'date'],
    ['recorded_at', 'timestamp'],
    ['metric_name', 'text'],
    ['metric_type', 'text'],
    ['label', 'text'],
    ['owner', 'text', "nullif(trim(definitions.owner), '')"],
    ['description', 'text', "nullif(trim(definitions.description), '')"],
    ['normalized_definition', 'text'],
    ['definition_hash', 'text'],
    ['source_file', 'text'],
]) }}

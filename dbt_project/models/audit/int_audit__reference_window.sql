-- The audit's reference day d and its hygiene window [d - W + 1, d] (metrics.md section 7), one
-- row (none while no event is loaded). d is the dbt var audit_reference_date (YYYY-MM-DD) when
-- the pipeline passes one (the weekly audit DAG: its logical date; a backfill: the range's last
-- day), else the last loaded event day. W is the var hygiene_window_days (default 30).
{%- set reference = var('audit_reference_date', none) %}
{%- set window_days = var('hygiene_window_days') | int %}
{%- if window_days < 1 %}
    {{ exceptions.raise_compiler_error("var hygiene_window_days must be >= 1, got " ~ window_days) }}
{%- endif %}
{%- if reference is not none and modules.re.match('^\d{4}-\d{2}-\d{2}$', reference | string) is none %}
    {{ exceptions.raise_compiler_error("var audit_reference_date: " ~ reference ~ " is not a YYYY-MM-DD date") }}
{%- endif %}
with reference_day as (
    select
        {%- if reference is not none %}
        cast('{{ reference }}' as date) as reference_date
        {%- else %}
        loaded_days.last_loaded_day as reference_date
        {%- endif %}
    -- With audit_reference_date the alias goes unused: the table only makes the row wait for a loaded day.
    from {{ ref('int_events__loaded_days') }} as loaded_days  -- noqa: AL05
)

select
    cast(reference_day.reference_date as date) as reference_date,
    cast(reference_day.reference_date - {{ window_days - 1 }} as date) as window_start,
    cast(reference_day.reference_date as date) as window_end,
    cast({{ window_days }} as integer) as window_days
from reference_day
where reference_day.reference_date is not null

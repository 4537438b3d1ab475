{{ config(**audit_event_day_config(on_schema_change='sync_all_columns')) }}
-- depends_on: {{ ref('int_audit__reference_window') }} (read by audit_recompute_days on incremental runs)
-- Property violations (metrics.md section 7) per event day, the partial aggregate the reference-day
-- models (tracking_plan_findings, tracking_plan_property_violations) sum over their window. A
-- violation is one (valid event, planned property) that breaks its plan entry:
--   missing_required  a required property absent, or JSON null;
--   wrong_type        a value whose JSON type is not the planned one: string; boolean (a JSON
--                     boolean only, 1 is not one); number (any JSON number, a boolean is not a
--                     number); integer (a number without a fractional part: 3 and 3.0, not 3.5
--                     nor "3");
--   not_allowed       a value of the right type outside the property's allowed list (as {{ type_text() }}).
-- Only planned event types have planned properties; properties the plan does not list are not
-- checked. Rows per computed day:
--   (event_type, property_name, violation): violating events, and the one with the smallest
--     event key as the example (the smallest over a window is the smallest of its days' examples):
--     its Amplitude uuid and the JSON type of its offending value ('absent' when the property is
--     missing). Never the value or the payload: event properties may hold e-mails, names and free
--     text, and the audit tables are read by Product Ops (and the governed ones by PMs).
--   (event_type, null, null): events of the type with at least one violation (they add up over
--     days: an event has one day);
--   (null, null, null): the day's marker (see macros/audit_windows.sql).
-- Incremental on the event day like int_audit__daily_event_volume; the rows also depend on the
-- plan's property schema, so a day is stamped with its fingerprint and the audit window's days
-- stored under another plan are re-checked. The fingerprint's `v2:` marks days checked since the
-- examples stopped copying event_properties (an older warehouse re-checks its audit window).
{%- if target.type == 'postgres' %}
    {%- set value_json = "(events.event_properties -> properties.property_name)" %}
    {%- set value_text = "(events.event_properties ->> properties.property_name)" %}
    {%- set value_type -%}
        case jsonb_typeof({{ value_json }})
            when 'string' then 'string'
            when 'boolean' then 'boolean'
            when 'null' then 'null'
            when 'object' then 'object'
            when 'array' then 'array'
            when 'number' then
                case when ({{ value_text }})::numeric = floor(({{ value_text }})::numeric)
                     then 'integer' else 'number' end
        end
    {%- endset %}
{%- elif target.type == 'spark' %}
    {#- the property is a column value: a map of variants (variant_get needs a constant path) #}
    {%- set value_json = "from_json(events.event_properties, 'map<string,variant>')[properties.property_name]" %}
    {%- set value_text = "variant_get(" ~ value_json ~ ", '$', 'string')" %}
    {%- set value_type -%}
        case
            when schema_of_variant({{ value_json }}) like 'OBJECT%' then 'object'
            when schema_of_variant({{ value_json }}) like 'ARRAY%' then 'array'
            when schema_of_variant({{ value_json }}) = 'STRING' then 'string'
            when schema_of_variant({{ value_json }}) = 'BOOLEAN' then 'boolean'
            when schema_of_variant({{ value_json }}) = 'VOID' then 'null'
            when schema_of_variant({{ value_json }}) in ('BIGINT', 'INT', 'SMALLINT', 'TINYINT') then 'integer'
            when schema_of_variant({{ value_json }}) is not null then
                case when cast({{ value_json }} as double) = floor(cast({{ value_json }} as double))
                     then 'integer' else 'number' end
        end
    {%- endset %}
{%- else %}
    {%- set path = "'$.\"' || properties.property_name || '\"'" %}
    {%- set value_text = "json_extract_string(events.event_properties, " ~ path ~ ")" %}
    {%- set value_type -%}
        case
            when json_type(events.event_properties, {{ path }}) is null then null
            when json_type(events.event_properties, {{ path }}) = 'VARCHAR' then 'string'
            when json_type(events.event_properties, {{ path }}) = 'BOOLEAN' then 'boolean'
            when json_type(events.event_properties, {{ path }}) = 'NULL' then 'null'
            when json_type(events.event_properties, {{ path }}) = 'OBJECT' then 'object'
            when json_type(events.event_properties, {{ path }}) = 'ARRAY' then 'array'
            when json_type(events.event_properties, {{ path }}) in ('BIGINT', 'UBIGINT', 'HUGEINT') then 'integer'
            when json_type(events.event_properties, {{ path }}) = 'DOUBLE' then
                case when cast(json_extract(events.event_properties, {{ path }}) as double)
                          = floor(cast(json_extract(events.event_properties, {{ path }}) as double))
                     then 'integer' else 'number' end
            else 'other'
        end
    {%- endset %}
{%- endif %}
with plan_fingerprint as (
    select
        'v2:' || coalesce(
            {%- set fingerprint_item -%}
                coalesce(fingerprinted.event_type, '~') || '|' || coalesce(fingerprinted.property_name, '~')
                    || '|' || coalesce(fingerprinted.property_type, '~')
                    || '|' || coalesce(cast(fingerprinted.is_required as {{ type_text() }}), '~')
                    || '|' || coalesce(cast(fingerprinted.allowed_values_json as {{ type_text() }}), '~')
            {%- endset %}
            md5({{ ordered_string_agg(fingerprint_item, '; ', [
                ordered_text('fingerprinted.event_type'), ordered_text('fingerprinted.property_name')]) }}),
            'no planned property'
        ) as fingerprint
    from {{ ref('stg_workspace__tracking_plan_properties') }} as fingerprinted
),

{{ audit_event_day_ctes('(select plan_fingerprint.fingerprint from plan_fingerprint)') }},

planned_values as (
    select
        events.event_date,
        events.event_key,
        events.event_uuid,
        events.event_type,
        properties.property_name,
        properties.property_type,
        properties.is_required,
        properties.allowed_values_json is not null as has_allowed_values,
        {{ value_type }} as value_type,
        {{ value_text }} as value_text
    from {{ ref('int_events__deduplicated') }} as events
    inner join {{ ref('stg_workspace__tracking_plan_properties') }} as properties
        on events.event_type = properties.event_type
    where not events.is_future_dated
        {{- audit_computed_days_only('events') }}
),

classified as (
    select
        planned_values.event_date,
        planned_values.event_key,
        planned_values.event_uuid,
        planned_values.event_type,
        planned_values.property_name,
        planned_values.property_type,
        coalesce(planned_values.value_type, 'absent') as value_type,
        case
            when planned_values.value_type is null or planned_values.value_type = 'null' then
                case when planned_values.is_required then 'missing_required' end
            when not (
                (planned_values.property_type = 'string' and planned_values.value_type = 'string')
                or (planned_values.property_type = 'boolean' and planned_values.value_type = 'boolean')
                or (planned_values.property_type = 'integer' and planned_values.value_type = 'integer')
                or (planned_values.property_type = 'number' and planned_values.value_type in ('integer', 'number'))
            ) then 'wrong_type'
            when planned_values.has_allowed_values and not exists (
                select 1
                from {{ ref('int_audit__plan_allowed_values') }} as allowed
                where allowed.event_type = planned_values.event_type
                    and allowed.property_name = planned_values.property_name
                    and allowed.allowed_value = planned_values.value_text
            ) then 'not_allowed'
        end as violation
    from planned_values
),

violations as (
    select
        classified.event_date,
        classified.event_key,
        classified.event_uuid,
        classified.event_type,
        classified.property_name,
        classified.property_type,
        classified.value_type,
        classified.violation
    from classified
    where classified.violation is not null
),

ranked as (
    select
        violations.event_date,
        violations.event_type,
        violations.property_name,
        violations.property_type,
        violations.violation,
        violations.event_key,
        violations.event_uuid,
        violations.value_type,
        count(*) over (
            partition by violations.event_date, violations.event_type, violations.property_name, violations.violation
        ) as violating_events,
        row_number() over (
            partition by violations.event_date, violations.event_type, violations.property_name, violations.violation
            order by {{ ordered_text('violations.event_key') }}
        ) as example_rank
    from violations
),

property_rows as (
    select
        ranked.event_date,
        ranked.event_type,
        ranked.property_name,
        ranked.property_type,
        ranked.violation,
        ranked.violating_events,
        ranked.event_key as example_event_key,
        ranked.event_uuid as example_event_uuid,
        ranked.value_type as example_value_type
    from ranked
    where ranked.example_rank = 1
),

type_rows as (
    select
        violations.event_date,
        violations.event_type,
        count(distinct violations.event_key) as violating_events
    from violations
    group by
        violations.event_date,
        violations.event_type
),

rows_out as (
    select
        property_rows.event_date,
        property_rows.event_type,
        property_rows.property_name,
        property_rows.property_type,
        property_rows.violation,
        property_rows.violating_events,
        property_rows.example_event_key,
        property_rows.example_event_uuid,
        property_rows.example_value_type
    from property_rows
    union all
    select
        type_rows.event_date,
        type_rows.event_type,
        null as property_name,
        null as property_type,
        null as violation,
        type_rows.violating_events,
        null as example_event_key,
        null as example_event_uuid,
        null as example_value_type
    from type_rows
    union all
    select
        computed_days.event_date,
        null as event_type,
        null as property_name,
        null as property_type,
        null as violation,
        0 as violating_events,
        null as example_event_key,
        null as example_event_uuid,
        null as example_value_type
    from computed_days
)

select
    cast(rows_out.event_date as date) as event_date,
    cast(rows_out.event_type as {{ type_text() }}) as event_type,
    cast(rows_out.property_name as {{ type_text() }}) as property_name,
    cast(rows_out.property_type as {{ type_text() }}) as property_type,
    cast(rows_out.violation as {{ type_text() }}) as violation,
    cast(rows_out.violating_events as bigint) as violating_events,
    cast(rows_out.example_event_key as {{ type_text() }}) as example_event_key,
    cast(rows_out.example_event_uuid as {{ type_text() }}) as example_event_uuid,
    cast(rows_out.example_value_type as {{ type_text() }}) as example_value_type,
    cast(plan_fingerprint.fingerprint as {{ type_text() }}) as fingerprint,
    cast(stamp.loaded_through as timestamp) as loaded_through
from rows_out
cross join plan_fingerprint
cross join stamp

{{ config(store_failures=true) }}
-- The raw ticket and response fields the VoC staging models cast have the JSON types those
-- casts need. A bad record fails here, before any model reads it (tests on sources run first
-- in `dbt build`), and the stored failures name its raw-zone file, line and field, instead of
-- a bare conversion error in some downstream model.
with tickets as (
    select
        _file as source_file,
        _line as source_line,
        {{ json_type('payload', ['id']) }} as id_type,
        {{ json_text('payload', ['created_at']) }} as created_at,
        {{ json_text('payload', ['updated_at']) }} as updated_at,
        {{ json_type('payload', ['generated_timestamp']) }} as generated_timestamp_type,
        {{ json_text('payload', ['metric_set', 'solved_at']) }} as solved_at,
        {{ json_type('payload', ['metric_set', 'reply_time_in_minutes', 'calendar']) }} as reply_minutes_type,
        {{ json_type('payload', ['metric_set', 'full_resolution_time_in_minutes', 'calendar']) }}
            as full_resolution_minutes_type
    from {{ source('zendesk', 'tickets') }}
),

responses as (
    select
        _file as source_file,
        _line as source_line,
        coalesce(
            {{ json_text('payload', ['response_id']) }}, {{ json_text('payload', ['token']) }}
        ) as response_id,
        {{ json_text('payload', ['submitted_at']) }} as submitted_at,
        {{ json_type('payload', ['answers']) }} as answers_type
    from {{ source('typeform', 'responses') }}
),

problems as (
    select source_file, source_line, 'id' as field, 'expected an integer ticket id' as problem
    from tickets where coalesce(id_type, 'missing') != 'integer'
    union all
    select source_file, source_line, 'created_at' as field, 'expected a timestamp like 2026-01-05T10:38:52Z' as problem
    from tickets where coalesce(created_at, '') not like '____-__-__T__:__:__%'
    union all
    select source_file, source_line, 'updated_at' as field, 'expected a timestamp like 2026-01-05T10:38:52Z' as problem
    from tickets where coalesce(updated_at, '') not like '____-__-__T__:__:__%'
    union all
    select source_file, source_line, 'generated_timestamp' as field, 'expected epoch seconds (an integer) or nothing' as problem
    from tickets where coalesce(generated_timestamp_type, 'integer') not in ('integer', 'null')
    union all
    select source_file, source_line, 'metric_set.solved_at' as field, 'expected a timestamp or null' as problem
    from tickets where solved_at is not null and solved_at not like '____-__-__T__:__:__%'
    union all
    select source_file, source_line, 'metric_set.reply_time_in_minutes.calendar' as field, 'expected a number or null' as problem
    from tickets where coalesce(reply_minutes_type, 'null') not in ('integer', 'number', 'null')
    union all
    select source_file, source_line, 'metric_set.full_resolution_time_in_minutes.calendar' as field, 'expected a number or null' as problem
    from tickets where coalesce(full_resolution_minutes_type, 'null') not in ('integer', 'number', 'null')
    union all
    select source_file, source_line, 'response_id' as field, 'expected a response id (or token)' as problem
    from responses where response_id is null
    union all
    select source_file, source_line, 'submitted_at' as field, 'expected a timestamp or null' as problem
    from responses where submitted_at is not null and submitted_at not like '____-__-__T__:__:__%'
    union all
    select source_file, source_line, 'answers' as field, 'expected an array of answers' as problem
    from responses where coalesce(answers_type, 'null') not in ('array', 'null')
)

select
    source_file as source_file,
    source_line as source_line,
    field as field,
    problem as problem
from problems

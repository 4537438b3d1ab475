{{ config(schema='staging', materialized='view') }}  {#- a source's staging models: views in schema staging -#}
-- Latest version of each Zendesk ticket. The incremental export re-emits a ticket on every
-- update, so the raw table holds several versions per id: the greatest updated_at wins
-- (ties, e.g. the same version landed twice: greatest generated_timestamp, then the most
-- recently extracted copy). Deleted tickets are kept here, flagged; models downstream
-- exclude them. Fields, paths and types come from the record schema in _zendesk__sources.yml
-- (record_schema.sql); a value that does not cast is null here, never a failed build.
{%- set fields = [
    'id', 'status', 'ticket_type', 'priority', 'subject', 'description', 'via_channel', 'requester_id',
    'assignee_id', 'organization_id', 'group_id', 'tags', 'custom_fields', 'satisfaction_score',
    'satisfaction_comment', 'created_at', 'updated_at', 'generated_timestamp', 'solved_at', 'replies',
    'reopens', 'reply_time_calendar_minutes', 'reply_time_business_minutes',
    'first_resolution_time_calendar_minutes', 'first_resolution_time_business_minutes',
    'full_resolution_time_calendar_minutes', 'full_resolution_time_business_minutes',
] %}
with source_rows as (
    select
        payload as payload,
        dt as source_dt,
        _file as source_file,
        _line as source_line
    from {{ source('zendesk', 'tickets') }}
),

parsed as (
    select
        {%- for name in fields %}
        {{ typed_field('zendesk', 'tickets', name) }} as {{ record_field('zendesk', 'tickets', name).get('column', name) }},
        {%- endfor %}
        source_dt,
        source_file,
        source_line
    from source_rows
),

ranked as (
    select
        ticket_id,
        status,
        ticket_type,
        priority,
        subject,
        description,
        via_channel,
        requester_id,
        assignee_id,
        organization_id,
        group_id,
        tags,
        custom_fields,
        satisfaction_score,
        satisfaction_comment,
        created_at,
        updated_at,
        generated_timestamp,
        solved_at,
        replies,
        reopens,
        reply_time_calendar_minutes,
        reply_time_business_minutes,
        first_resolution_time_calendar_minutes,
        first_resolution_time_business_minutes,
        full_resolution_time_calendar_minutes,
        full_resolution_time_business_minutes,
        source_dt,
        source_file,
        source_line,
        row_number() over (
            partition by ticket_id
            order by
                updated_at desc nulls last,
                generated_timestamp desc nulls last,
                source_dt desc nulls last,
                source_file desc nulls last,
                source_line desc nulls last
        ) as version_rank
    from parsed
)

select
    ticket_id as ticket_id,
    status as status,
    coalesce(status = 'deleted', false) as is_deleted,
    coalesce(status in ('solved', 'closed'), false) as is_solved,
    ticket_type as ticket_type,
    priority as priority,
    subject as subject,
    description as description,
    via_channel as via_channel,
    requester_id as requester_id,
    assignee_id as assignee_id,
    organization_id as organization_id,
    group_id as group_id,
    tags as tags,
    custom_fields as custom_fields,
    satisfaction_score as satisfaction_score,
    satisfaction_comment as satisfaction_comment,
    created_at as created_at,
    updated_at as updated_at,
    generated_timestamp as generated_timestamp,
    solved_at as solved_at,
    replies as replies,
    reopens as reopens,
    reply_time_calendar_minutes as reply_time_calendar_minutes,
    reply_time_business_minutes as reply_time_business_minutes,
    first_resolution_time_calendar_minutes as first_resolution_time_calendar_minutes,
    first_resolution_time_business_minutes as first_resolution_time_business_minutes,
    full_resolution_time_calendar_minutes as full_resolution_time_calendar_minutes,
    full_resolution_time_business_minutes as full_resolution_time_business_minutes,
    source_dt as source_dt,
    source_file as source_file
from ranked
where version_rank = 1

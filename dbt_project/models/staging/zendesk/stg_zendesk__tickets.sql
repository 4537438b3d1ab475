-- Latest version of each Zendesk ticket. The incremental export re-emits a ticket on every
-- update, so the raw table holds several versions per id: the greatest updated_at wins
-- (ties, e.g. the same version landed twice: greatest generated_timestamp, then the most
-- recently extracted copy). Deleted tickets are kept here, flagged; models downstream
-- exclude them.
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
        cast({{ json_text('payload', ['id']) }} as bigint) as ticket_id,
        {{ json_text('payload', ['status']) }} as status,
        {{ json_text('payload', ['type']) }} as ticket_type,
        {{ json_text('payload', ['priority']) }} as priority,
        {{ json_text('payload', ['subject']) }} as subject,
        {{ json_text('payload', ['description']) }} as description,
        {{ json_text('payload', ['via', 'channel']) }} as via_channel,
        cast({{ json_text('payload', ['requester_id']) }} as bigint) as requester_id,
        cast({{ json_text('payload', ['assignee_id']) }} as bigint) as assignee_id,
        cast({{ json_text('payload', ['organization_id']) }} as bigint) as organization_id,
        cast({{ json_text('payload', ['group_id']) }} as bigint) as group_id,
        {{ json_value('payload', ['tags']) }} as tags,
        {{ json_value('payload', ['custom_fields']) }} as custom_fields,
        {{ json_text('payload', ['satisfaction_rating', 'score']) }} as satisfaction_score,
        {{ json_text('payload', ['satisfaction_rating', 'comment']) }} as satisfaction_comment,
        {{ voc_utc_timestamp(json_text('payload', ['created_at'])) }} as created_at,
        {{ voc_utc_timestamp(json_text('payload', ['updated_at'])) }} as updated_at,
        cast({{ json_text('payload', ['generated_timestamp']) }} as bigint) as generated_timestamp,
        {{ voc_utc_timestamp(json_text('payload', ['metric_set', 'solved_at'])) }} as solved_at,
        cast({{ json_text('payload', ['metric_set', 'replies']) }} as integer) as replies,
        cast({{ json_text('payload', ['metric_set', 'reopens']) }} as integer) as reopens,
        {%- for metric in ['reply_time', 'first_resolution_time', 'full_resolution_time'] %}
        {%- for clock in ['calendar', 'business'] %}
        cast(
            {{ json_text('payload', ['metric_set', metric ~ '_in_minutes', clock]) }} as double precision
        ) as {{ metric }}_{{ clock }}_minutes,
        {%- endfor %}
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

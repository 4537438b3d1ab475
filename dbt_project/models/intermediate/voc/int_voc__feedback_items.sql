-- Feedback items (metrics.md section 6): every ticket (deleted excluded) and every non-empty
-- long_text answer of a completed survey response, with its product area and the team that
-- owns it. An item with no area, or an area missing from the workspace's product_areas, is
-- unrouted (team null). Resolved = a ticket now solved or closed (never a survey answer).
with tickets as (
    select
        'ticket:' || cast(tickets.ticket_id as {{ type_varchar() }}) as item_id,
        'ticket' as item_type,
        tickets.ticket_id as ticket_id,
        cast(null as {{ type_varchar() }}) as form_id,
        cast(null as {{ type_varchar() }}) as response_id,
        tickets.created_at as created_at,
        tickets.subject as feedback_text,
        ticket_areas.area as area,
        tickets.is_solved as is_resolved
    from {{ ref('int_voc__tickets') }} as tickets
    left join {{ ref('int_voc__ticket_areas') }} as ticket_areas
        on tickets.ticket_id = ticket_areas.ticket_id
),

survey_answers as (
    select
        'survey:' || form_id || ':' || response_id || ':' || cast(answer_position as {{ type_varchar() }}) as item_id,
        'survey_answer' as item_type,
        cast(null as bigint) as ticket_id,
        form_id as form_id,
        response_id as response_id,
        submitted_at as created_at,
        feedback_text as feedback_text,
        area as area,
        false as is_resolved
    from {{ ref('int_voc__survey_feedback') }}
),

items as (
    select
        item_id, item_type, ticket_id, form_id, response_id, created_at, feedback_text, area, is_resolved
    from tickets
    union all
    select
        item_id, item_type, ticket_id, form_id, response_id, created_at, feedback_text, area, is_resolved
    from survey_answers
)

select
    items.item_id as item_id,
    items.item_type as item_type,
    items.ticket_id as ticket_id,
    items.form_id as form_id,
    items.response_id as response_id,
    items.created_at as created_at,
    {{ voc_reporting_day('items.created_at') }} as created_day,
    {{ voc_reporting_week('items.created_at') }} as created_week,
    items.feedback_text as feedback_text,
    items.area as matched_area,
    product_areas.area as area,
    product_areas.team as team,
    product_areas.team is not null as is_routed,
    items.is_resolved as is_resolved
from items
left join {{ ref('stg_workspace__product_areas') }} as product_areas
    on items.area = product_areas.area

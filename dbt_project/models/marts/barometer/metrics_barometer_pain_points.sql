-- The barometer's free-text pain points, routed like every other feedback item (metrics.md
-- section 6, int_voc__feedback_items: the first area in alphabetical order whose keyword matches
-- on word boundaries, then the area's team; unrouted when no area or an unknown one). One row per
-- non-empty long_text answer of a completed barometer response.
select
    cast(responses.edition as text) as edition,
    cast(responses.pm_email as text) as pm_email,
    cast(items.item_id as text) as item_id,
    cast(items.created_at as timestamp) as submitted_at,
    cast(items.feedback_text as text) as pain_point,
    cast(items.area as text) as area,
    cast(items.team as text) as team,
    items.is_routed as is_routed
from {{ ref('int_voc__feedback_items') }} as items
inner join {{ ref('int_barometer__responses') }} as responses
    on items.form_id = responses.form_id
    and items.response_id = responses.response_id
where items.item_type = 'survey_answer'

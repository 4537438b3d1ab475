{{ config(schema='intermediate', materialized='view') }}
-- The barometer's free-text pain points, one row per non-empty long_text answer of a completed
-- barometer response, routed like every other feedback item (metrics.md section 6,
-- int_voc__feedback_items: the first area in alphabetical order whose keyword matches on word
-- boundaries, then the area's team; unrouted when no area or an unknown one). Internal: the text
-- and the PM's e-mail stay in the warehouse for Product Ops; PMs read the counts
-- (metrics_barometer_pain_points).
select
    responses.edition,
    responses.pm_email,
    items.item_id,
    items.created_at as submitted_at,
    items.feedback_text as pain_point,
    items.area,
    items.team,
    items.is_routed
from {{ ref('int_voc__feedback_items') }} as items
inner join {{ ref('int_barometer__responses') }} as responses
    on items.form_id = responses.form_id
    and items.response_id = responses.response_id
where items.item_type = 'survey_answer'

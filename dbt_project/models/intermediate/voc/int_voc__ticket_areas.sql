-- Product area of each ticket (metrics.md section 6): the first tag, in the order of the
-- ticket's tags array, of the form `area:<name>` (a bare `area:` names no area and is
-- skipped). Whether the name is a known area is decided in int_voc__feedback_items.
with area_tags as (
    select
        ticket_id as ticket_id,
        tag_position as tag_position,
        substr(tag, 6) as area
    from {{ ref('stg_zendesk__ticket_tags') }}
    where substr(tag, 1, 5) = 'area:'
        and length(tag) > 5
),

ranked as (
    select
        ticket_id,
        tag_position,
        area,
        row_number() over (partition by ticket_id order by tag_position) as area_tag_rank
    from area_tags
)

select
    ticket_id as ticket_id,
    area as area,
    tag_position as tag_position
from ranked
where area_tag_rank = 1

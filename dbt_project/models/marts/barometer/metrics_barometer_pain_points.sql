-- The barometer's pain points as PMs may read them: per edition and the product area (and team)
-- each pain point is routed to, how many pain points and how many PMs raised them. The texts and
-- who wrote them stay in the warehouse (int_barometer__pain_points): free text may name people or
-- customers, and the answering PM is personal data. Unrouted pain points (no area, or an area
-- missing from product_areas) have a null area and team.
select
    cast(pain_points.edition as {{ type_text() }}) as edition,
    cast(pain_points.area as {{ type_text() }}) as area,
    cast(pain_points.team as {{ type_text() }}) as team,
    pain_points.is_routed as is_routed,
    cast(count(*) as bigint) as pain_points,
    cast(count(distinct pain_points.pm_email) as bigint) as pms
from {{ ref('int_barometer__pain_points') }} as pain_points
group by
    pain_points.edition,
    pain_points.area,
    pain_points.team,
    pain_points.is_routed

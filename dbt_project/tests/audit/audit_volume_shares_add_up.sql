-- Per reference day, the volume shares of event_volume_share add up to 1. Returns the days
-- that do not (a lost or double-counted event type).
select
    shares.reference_date,
    sum(shares.volume_share) as total_share
from {{ ref('event_volume_share') }} as shares
group by shares.reference_date
having abs(sum(shares.volume_share) - 1) > 1e-9

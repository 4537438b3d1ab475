-- Every week of the unrouted-feedback mart, with the ISO weekday of week_start, the gap to the
-- previous week (the week spine) and how far unrouted_share is from unrouted_items / items
-- (1 when exactly one of "share is null" and "items = 0" holds).
-- is_complete_after_incomplete: a complete week after an incomplete one (completeness only moves forward).
select
    unrouted.*,
    {{ week_spine_columns('unrouted') }},
    {{ ratio_deviation('unrouted.unrouted_share', 'unrouted.unrouted_items', 'unrouted.items') }} as share_deviation,
    -- completeness is monotone (metrics.md 1.6): no complete row after an incomplete one
    {{ complete_after_incomplete('marts.metrics_feedback_unrouted_weekly', 'unrouted', 'week_start') }}
        as is_complete_after_incomplete
from marts.metrics_feedback_unrouted_weekly as unrouted
order by unrouted.week_start

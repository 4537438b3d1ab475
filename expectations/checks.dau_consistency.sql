-- DAU three ways on the days this build (re)computed: the mart, a recount from the single
-- active-user model (intermediate.int_active_users_daily) and the semantic layer (MetricFlow,
-- registered by the gate as semantic_layer_daily). The days: the nightly lookback window (the
-- mart's last lookback_days days) and, after an explicit backfill, [recheck_start, recheck_end].
-- Older days are not recomputed by a nightly run, so a retroactive change upstream (a user
-- found to be a test user) may legitimately leave them behind the model until a backfill.
with mart_bounds as (
    select max(mart_days.date_day) as last_day
    from marts.metrics_active_users_daily as mart_days
),

-- Recounted on the compared days only: the cost follows the days recomputed, not the history.
model_dau as (
    select
        active.date_day as date_day,
        count(distinct active.user_id) as dau
    from intermediate.int_active_users_daily as active
    cross join mart_bounds
    where {{ in_lookback_window('active.date_day', 'mart_bounds.last_day', '$lookback_days') }}
        or active.date_day between cast($recheck_start as date) and cast($recheck_end as date)
    group by active.date_day
)

select
    mart.date_day as date_day,
    mart.dau as mart_dau,
    coalesce(model_dau.dau, 0) as active_user_model_dau,
    coalesce(semantic.dau, 0) as semantic_layer_dau
from marts.metrics_active_users_daily as mart
cross join mart_bounds
left join model_dau
    on mart.date_day = model_dau.date_day
left join semantic_layer_daily as semantic
    on mart.date_day = cast(semantic.date_day as date)
where {{ in_lookback_window('mart.date_day', 'mart_bounds.last_day', '$lookback_days') }}
    or mart.date_day between cast($recheck_start as date) and cast($recheck_end as date)
order by mart.date_day

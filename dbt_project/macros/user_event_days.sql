{#-
  The activity days an incremental run of int_user_event_days recomputes (a select of one column,
  activity_date): the days of events (re)written since the model's last run, the day a re-decided
  event left (replaced_event_date) and the days of the anonymous events of devices whose owner
  changed since then. Used by the model and by its pre-hook, which deletes those days first so a
  day left without attributed events keeps no stale rows.
-#}
{% macro user_event_days_recompute_days(existing_relation) -%}
    with watermark as (
        select coalesce(max(previous.loaded_at), cast('1900-01-01' as timestamp)) as loaded_at
        from {{ existing_relation }} as previous
    )

    select events.event_date as activity_date
    from {{ ref('int_events__deduplicated') }} as events
    where events.loaded_at > (select watermark.loaded_at from watermark)
    union
    select events.replaced_event_date as activity_date
    from {{ ref('int_events__deduplicated') }} as events
    where events.loaded_at > (select watermark.loaded_at from watermark)
        and events.replaced_event_date is not null
    union
    select events.event_date as activity_date
    from {{ ref('int_events__deduplicated') }} as events
    inner join {{ ref('int_devices') }} as devices
        on events.device_id = devices.device_id
    where events.user_id is null
        and devices.owner_loaded_at > (select watermark.loaded_at from watermark)
{%- endmacro %}


{#-
  The activity days that the last run of int_user_event_days wrote (a select of one column,
  changed_day): every row a run writes carries that run's loaded_at, the model's maximum.
-#}
{% macro user_event_days_written_last() -%}
    select distinct written.activity_date as changed_day
    from {{ ref('int_user_event_days') }} as written
    where written.loaded_at = (select max(latest.loaded_at) from {{ ref('int_user_event_days') }} as latest)
{%- endmacro %}

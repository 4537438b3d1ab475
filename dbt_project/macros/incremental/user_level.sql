{#-
  Nightly increments of the user-level tables (int_users, int_user_retention,
  metrics_retention_cohorts): a night recomputes the users (cohorts) its user-days can reach, each
  from its full history, instead of every user.

  Each table carries `loaded_at`, the load stamp of int_user_event_days it was computed from; rows
  a run recomputes get the current stamp. A user whose recompute leaves no row (no user-day left,
  no longer a cohort member) is written as a tombstone (null key column) that the model's post-hook
  deletes: delete+insert replaces the affected keys, the post-hook drops the ones left empty.
  Changes the user-days cannot show (var internal_email_domains or activation_event, the tracking
  plan's counts_as_active) need a full refresh (metrics.md, nightly builds).
-#}

{#- The table's own load high-water mark (scalar subquery). -#}
{% macro user_level_watermark(relation) -%}
    (
        select coalesce(max(previous.loaded_at), cast('1900-01-01' as timestamp))
        from {{ relation }} as previous
    )
{%- endmacro %}

{#- The stamp of this run's rows: the newest load stamp of `upstream` (scalar subquery). -#}
{% macro user_level_stamp(upstream) -%}
    (select max(upstream_rows.loaded_at) from {{ upstream }} as upstream_rows)
{%- endmacro %}

{#-
  The config of a user-level increment: delete+insert on `key` (a full table on plain Spark, which
  has no DELETE), the tombstones (`tombstone`, an SQL condition) deleted after the insert.
-#}
{% macro user_level_config(key, tombstone) -%}
    {{ return({
        'materialized': merge_model_materialization(),
        'unique_key': key,
        'incremental_strategy': 'delete+insert',
        'on_schema_change': 'fail',
        'post_hook': "{{ delete_tombstones('" ~ tombstone ~ "') }}",
    }) }}
{%- endmacro %}

{#- Post-hook of a user-level incremental: drop the tombstones of keys left without a row. -#}
{% macro delete_tombstones(condition) -%}
    {%- if can_delete_rows() -%}
        delete from {{ this }} where {{ condition }}
    {%- endif -%}
{%- endmacro %}

{#-
  The opening CTEs of a user-level increment: recompute_days (the days int_user_event_days
  recomputed since this table's stamp) and affected_users, the users with rows of `upstream`
  newer than this table's stamp plus the stored users matching `stored_condition` (on alias
  `stored`; it may read recompute_days). Ends with a comma: the model's own CTEs follow.
-#}
{% macro user_level_affected_users(upstream, stored_condition) -%}
with recompute_days as (
    {{ user_event_days_recompute_days(this) }}
),

affected_users as (
    select changed.user_id
    from {{ upstream }} as changed
    where changed.loaded_at > {{ user_level_watermark(this) }}
    union
    select stored.user_id
    from {{ this }} as stored
    where {{ stored_condition }}
),
{%- endmacro %}

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

{#- Post-hook of a user-level incremental: drop the tombstones of keys left without a row. -#}
{% macro delete_tombstones(condition) -%}
    {%- if can_delete_rows() -%}
        delete from {{ this }} where {{ condition }}
    {%- endif -%}
{%- endmacro %}

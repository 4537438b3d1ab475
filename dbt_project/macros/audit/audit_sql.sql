{#-
  Shared SQL of the hygiene audit models (models/audit).

  Columns are given as a list of [name, type] or [name, type, expression]: type 'text' and
  'double' stand for the adapter's types (type_text, type_double), any other is written as is;
  without an expression the column is read from `alias`.<name>.
-#}
{% macro audit_type(type_name) -%}
    {%- if type_name == 'text' -%}
        {{ return(type_text()) }}
    {%- elif type_name == 'double' -%}
        {{ return(type_double()) }}
    {%- else -%}
        {{ return(type_name) }}
    {%- endif -%}
{%- endmacro %}

{#- `cast(<expression> as <type>) as <name>` for each column, comma-separated; as_null casts null. -#}
{% macro audit_cast_columns(alias, columns, as_null=false) -%}
    {%- for column in columns %}
    cast(
        {%- if as_null %}null{% elif column | length > 2 %}{{ column[2] }}{% else %}{{ alias }}.{{ column[0] }}{% endif -%}
        {{ ' ' }}as {{ audit_type(column[1]) }}) as {{ column[0] }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#-
  The rows recorded by insights.hygiene in source hygiene.<table_name>, cast to their types, or no
  row before the first audit run recorded any: the nightly build must work on a fresh warehouse.
-#}
{% macro audit_recorded_rows(table_name, alias, columns) -%}
    {%- set recorded = source('hygiene', table_name) %}
    {%- set exists = execute and adapter.get_relation(
        database=recorded.database, schema=recorded.schema, identifier=recorded.identifier) is not none %}
    {%- if exists %}
select {{- audit_cast_columns(alias, columns) }}
from {{ recorded }} as {{ alias }}
    {%- else %}
select {{- audit_cast_columns(none, columns, as_null=true) }}
where 1 = 0
    {%- endif %}
{%- endmacro %}

{#-
  The config of a table kept per reference day: an audit run replaces the rows of its own
  reference day only (pre-hook), so earlier days stay for trends; full_refresh is off for the
  same reason. extra_pre_hooks run after the delete.
-#}
{% macro audit_reference_day_config(on_schema_change='fail', extra_pre_hooks=[]) -%}
    {%- set delete_own_day -%}
        {% raw %}{% if can_delete_rows() %}delete from {{ this }} where reference_date in (select ref_window.reference_date from {{ ref('int_audit__reference_window') }} as ref_window){% endif %}{% endraw %}
    {%- endset -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': day_incremental_strategy('append'),
        'partition_by': day_partition_by('reference_date'),
        'on_schema_change': on_schema_change,
        'full_refresh': false,
        'pre_hook': [delete_own_day] + extra_pre_hooks,
    }) }}
{%- endmacro %}

{#-
  What follows `from` to read the rows of a per-event-day aggregate (int_audit__daily_*, as
  `alias`) that fall in the hygiene window of the audit's reference day (as `ref_window`): the
  one place the window's days are picked.
-#}
{% macro audit_window_days_from(model_name, alias) -%}
{{ ref(model_name) }} as {{ alias }}
    inner join {{ ref('int_audit__reference_window') }} as ref_window
        on {{ alias }}.event_date between ref_window.window_start and ref_window.window_end
{%- endmacro %}

{#- The same for the rows of a table kept per reference day that belong to the audit's reference day. -#}
{% macro audit_reference_day_from(model_name, alias) -%}
{{ ref(model_name) }} as {{ alias }}
    inner join {{ ref('int_audit__reference_window') }} as ref_window
        on {{ alias }}.reference_date = ref_window.reference_date
{%- endmacro %}

{#-
  `select` of the given columns of a recorded table of the dbt project (int_audit__recorded_*,
  as `alias`) at the snapshot the audit reads: int_audit__definition_snapshots.<snapshot>
  (snapshot_date, or previous_snapshot_date for the one before it).
-#}
{% macro audit_snapshot_rows(model_name, alias, columns, snapshot='snapshot_date') -%}
select
    {%- for column in columns %}
        {{ alias }}.{{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ ref(model_name) }} as {{ alias }}
    inner join {{ ref('int_audit__definition_snapshots') }} as snapshots
        on {{ alias }}.reference_date = snapshots.{{ snapshot }}
{%- endmacro %}

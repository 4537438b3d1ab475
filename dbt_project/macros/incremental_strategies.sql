{#-
  Incremental strategies per target. DuckDB and Postgres delete a day's rows and insert them again
  (delete+insert on the day key, or append after a pre-hook's delete). A Spark table without a
  transactional format (Delta/Iceberg) has neither DELETE nor MERGE: day-keyed models are
  partitioned by their day there and use insert_overwrite, which replaces exactly the partitions
  (days) a run writes. Models keyed by something else than a day (int_devices by device,
  int_events__deduplicated by event key) need MERGE: they run on Iceberg in production, and fall
  back to a full rebuild (materialized table) on a plain Spark catalog (docs/scaling.md).
-#}

{# strategy of a model keyed by a day column (delete+insert, or append after a delete pre-hook) #}
{% macro day_incremental_strategy(default='delete+insert') -%}
    {{ return('insert_overwrite' if target.type == 'spark' else default) }}
{%- endmacro %}

{# partition columns of a day-keyed incremental: the day on Spark, none elsewhere #}
{% macro day_partition_by(day_column) -%}
    {{ return([day_column] if target.type == 'spark' else none) }}
{%- endmacro %}

{#
  The config of a model kept incrementally by whole days of `day_column` (its unique key): each run
  replaces the rows of the days it recomputes, with the strategy and partitioning above.
  `pre_hook`: SQL run before the model (e.g. deleting days the run recomputes, guarded by
  can_delete_rows()); it is rendered when the model runs, not here.
#}
{% macro day_incremental_config(day_column, on_schema_change='fail', pre_hook=none) -%}
    {%- set options = {
        'materialized': 'incremental',
        'unique_key': day_column,
        'incremental_strategy': day_incremental_strategy(),
        'partition_by': day_partition_by(day_column),
        'on_schema_change': on_schema_change,
    } -%}
    {%- if pre_hook is not none -%}
        {%- do options.update({'pre_hook': pre_hook}) -%}
    {%- endif -%}
    {{ config(**options) }}
{%- endmacro %}

{# a model that needs MERGE: incremental on DuckDB/Postgres (and Iceberg), a full table on plain Spark #}
{% macro merge_model_materialization() -%}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{%- endmacro %}

{# True when a pre-hook may delete from the model's table: incremental, and not on plain Spark #}
{% macro can_delete_rows() -%}
    {{ return(is_incremental() and target.type != 'spark') }}
{%- endmacro %}

{#-
  Data tests of a nightly build check the rows the night wrote on the big incremental tables.

  A model opts in with `config: meta: {night_test_window: {column: C, days: N}}`: on a nightly
  run (var data_test_scope = 'night', set by the warehouse DAG's dbt task) each of its data tests
  reads only the rows whose C is within N days of the table's newest C (N defaults to var
  late_event_lookback_days). C is the raw load high-water mark (`loaded_at`) where the table has
  one: a night rewrites exactly the rows its load touched. `newest_of: [model, column]` takes the
  newest value from that model's column instead: a view (int_active_users_daily) is then filtered
  before it is computed, rather than computed in full for its own maximum. Everywhere else (backfills, full
  refreshes, CI, `dbt build` by hand) and on every other model, the tests read the whole table.

  Trade-off: a fault confined to rows outside the window (older loads) is not seen by the nightly
  tests; the next backfill or full refresh (and CI) tests the whole table. A uniqueness test only
  compares the window's rows with each other.

  dbt's get_where_subquery (which applies a test's `where` config) is overridden to add this
  filter; an explicit `where` config still applies, and-ed with it.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set window = night_test_window(relation) -%}
    {%- if window -%}
        {%- do conditions.append(window) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) as dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#- The night's window on the tested model, as an SQL condition; '' when its tests read it all. -#}
{% macro night_test_window(relation) -%}
    {%- if var('data_test_scope', 'all') != 'night' or flags.FULL_REFRESH or backfill_range() -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set attached = model.get('attached_node') if model is mapping else none -%}
    {%- if not execute or not attached or attached not in graph.nodes -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set window = graph.nodes[attached].config.meta.get('night_test_window') -%}
    {%- if not window -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set column = window['column'] -%}
    {%- set days = window.get('days', var('late_event_lookback_days')) | int -%}
    {%- set newest_relation, newest_column = relation, column -%}
    {%- if window.get('newest_of') -%}
        {%- set newest_relation = model_relation(window['newest_of'][0]) -%}
        {%- set newest_column = window['newest_of'][1] -%}
    {%- endif -%}
    {%- do return(
        column ~ " >= (select max(newest." ~ newest_column ~ ") from " ~ newest_relation ~ " as newest) - interval '"
        ~ days ~ " days'"
    ) -%}
{%- endmacro %}

{#- The relation of a model of this project, by name (a test may not ref() a model it does not test). -#}
{% macro model_relation(name) -%}
    {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ name] -%}
    {%- do return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) -%}
{%- endmacro %}

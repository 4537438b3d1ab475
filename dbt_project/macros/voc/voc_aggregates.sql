{#-
  Median as the interpolated 50th percentile (mean of the two middle values for an even
  count) as double precision: Postgres percentile_cont(0.5) within group, DuckDB
  quantile_cont (its median() is the same for numbers but not for every type).
-#}
{% macro voc_median(expr) -%}
    {{ return(adapter.dispatch('voc_median', 'insights')(expr)) }}
{%- endmacro %}

{% macro duckdb__voc_median(expr) -%}
    cast(quantile_cont({{ expr }}, 0.5) as double precision)
{%- endmacro %}

{% macro postgres__voc_median(expr) -%}
    cast(percentile_cont(0.5) within group (order by {{ expr }}) as double precision)
{%- endmacro %}

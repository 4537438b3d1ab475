{#-
  Custom schemas are used as named: `marts` and `audit` are the public interface and keep
  exactly those names (metrics.md section 8). On Postgres, a non-default
  INSIGHTS_PG_SCHEMA_PREFIX lets several builds share one database (CI: one per run);
  the default prefix publishes under the plain names.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set name = custom_schema_name | trim if custom_schema_name is not none else target.schema -%}
    {%- set prefix = env_var('INSIGHTS_PG_SCHEMA_PREFIX', 'insights') -%}
    {%- if target.type == 'postgres' and prefix != 'insights' -%}
        {{ prefix }}_{{ name }}
    {%- else -%}
        {{ name }}
    {%- endif -%}
{%- endmacro %}

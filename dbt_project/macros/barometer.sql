{#- A product barometer edition as barometer_invitees.csv spells it: YYYY-H1 or YYYY-H2
    (insights.workspace enforces the same format on the invited list). -#}
{% macro barometer_edition_is_valid(expr) -%}
    {{ return(adapter.dispatch('barometer_edition_is_valid', 'insights')(expr)) }}
{%- endmacro %}

{% macro duckdb__barometer_edition_is_valid(expr) -%}
    coalesce(regexp_full_match({{ expr }}, '[0-9]{4}-H[12]'), false)
{%- endmacro %}

{% macro postgres__barometer_edition_is_valid(expr) -%}
    coalesce({{ expr }} ~ '^[0-9]{4}-H[12]$', false)
{%- endmacro %}

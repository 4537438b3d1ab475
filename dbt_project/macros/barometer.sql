{#- A product barometer edition as barometer_invitees.csv spells it: YYYY-H1 or YYYY-H2
    (insights.workspace enforces the same format on the invited list); false on null. -#}
{% macro barometer_edition_is_valid(expr) -%}
    coalesce({{ regexp_contains(expr, "'^[0-9]{4}-H[12]$'") }}, false)
{%- endmacro %}

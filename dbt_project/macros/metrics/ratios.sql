{#-
  A rate of the marts as a double: `numerator` / `denominator`, null when the denominator is 0 or
  null (no population, no rate: stickiness without monthly users, adoption without weekly users,
  a response rate without invitees). Both are SQL expressions; the numerator is cast to double
  before the division, so integer counts divide exactly once, the same way on every database.
-#}
{% macro ratio_or_null(numerator, denominator) -%}
    cast(
        case
            when coalesce({{ denominator }}, 0) = 0 then null
            else cast({{ numerator }} as {{ type_double() }}) / {{ denominator }}
        end as {{ type_double() }}
    )
{%- endmacro %}

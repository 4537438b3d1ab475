{#-
  Complete days (metrics.md section 1.6), read from int_reporting_days. A governed mart reads the
  flags of the sources its metrics read: amplitude for engagement, growth and adoption, typeform
  for NPS, zendesk for support and CSAT, zendesk and typeform for feedback.
-#}

{#- SQL boolean: `completeness_alias` (a row of int_reporting_days, possibly missing) is complete for every one of `sources` -#}
{% macro complete_for(completeness_alias, sources) -%}
    {%- set flags = [] -%}
    {%- for source in sources -%}
        {%- if source not in ('amplitude', 'typeform', 'zendesk') -%}
            {{ exceptions.raise_compiler_error("complete_for: unknown source " ~ source) }}
        {%- endif -%}
        {%- do flags.append('coalesce(' ~ completeness_alias ~ '.is_' ~ source ~ '_complete, false)') -%}
    {%- endfor -%}
    ({{ flags | join(' and ') }})
{%- endmacro %}

{#- Scalar subquery: the last reporting day complete for every one of `sources` (null when none is) -#}
{% macro last_complete_day(sources) -%}
    (
        select max(complete_days.date_day)
        from {{ ref('int_reporting_days') }} as complete_days
        where {{ complete_for('complete_days', sources) }}
    )
{%- endmacro %}

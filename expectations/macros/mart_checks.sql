{#-
  Derived columns of the marts' dataset queries (expectations/marts.*.sql): what makes a rule
  across rows or columns checkable by a GX column expectation. Each takes `row`, the alias of the
  mart row the query selects. insights.quality.suites imports them into every query.
-#}

{#- True on a complete row after an incomplete one of the same mart (`relation`), earlier by
    `period_column`: completeness is monotone (metrics.md 1.6), so the query's expectation requires
    false everywhere. -#}
{% macro complete_after_incomplete(relation, row, period_column) -%}
    {{ row }}.is_complete and exists (
        select 1
        from {{ relation }} as earlier
        where not earlier.is_complete
            and earlier.{{ period_column }} < {{ row }}.{{ period_column }}
    )
{%- endmacro %}

{#- The ISO weekday of week_start (week_start_isodow, 1 = Monday) and the gap in days to the previous
    week of the same `partition_by` column, if any (days_since_previous_week: 7 on a gap-free spine,
    null on the first week). -#}
{% macro week_spine_columns(row, partition_by=none) -%}
    isodow({{ row }}.week_start) as week_start_isodow,
    {{ row }}.week_start - lag({{ row }}.week_start) over (
        {% if partition_by %}partition by {{ row }}.{{ partition_by }} {% endif %}order by {{ row }}.week_start
    ) as days_since_previous_week
{%- endmacro %}

{#- How far a published `ratio` is from `numerator` / `denominator`: 0 when they agree, 1 when
    exactly one of "ratio is null" and "denominator = 0" holds. -#}
{% macro ratio_deviation(ratio, numerator, denominator) -%}
    case
        when {{ denominator }} = 0 then case when {{ ratio }} is null then 0.0 else 1.0 end
        when {{ ratio }} is null then 1.0
        else abs({{ ratio }} - cast({{ numerator }} as double) / {{ denominator }})
    end
{%- endmacro %}


{#- Generic data tests of the voice-of-customer models (prefixed voc_ to stay out of others' way) -#}

{# No two rows share the same values of the given columns (a composite key) #}
{% test voc_unique_combination(model, combination_of_columns) %}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as duplicate_rows
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}

{# Every non-null value is within [min_value, max_value] #}
{% test voc_between(model, column_name, min_value, max_value) %}
select {{ column_name }} as out_of_range_value
from {{ model }}
where {{ column_name }} < {{ min_value }}
    or {{ column_name }} > {{ max_value }}
{% endtest %}

{# A date column holds every day (step '1 day') or week ('7 days') from its min to its max, once #}
{% test voc_gap_free_series(model, column_name, step_days) %}
with bounds as (
    select
        min({{ column_name }}) as first_value,
        max({{ column_name }}) as last_value,
        count(distinct {{ column_name }}) as distinct_values
    from {{ model }}
)
select first_value, last_value, distinct_values
from bounds
where first_value is not null
    and distinct_values != ((last_value - first_value) / {{ step_days }}) + 1
{% endtest %}

{#-
  A date column steps by exactly `step_days` between consecutive distinct values: one row per
  day (or week) with no gap. Fails with the values that have no successor where one is due.
-#}
{% test gap_free_days(model, column_name, step_days=1) %}
with distinct_days as (
    select distinct {{ column_name }} as day_value
    from {{ model }}
    where {{ column_name }} is not null
),

bounds as (
    select max(distinct_days.day_value) as last_value
    from distinct_days
)

select distinct_days.day_value as day_without_successor
from distinct_days
cross join bounds
where distinct_days.day_value < bounds.last_value
    and not exists (
        select 1
        from distinct_days as next_days
        where next_days.day_value = distinct_days.day_value + {{ step_days }}
    )
{% endtest %}

{#-
  The column is the share `part` / `whole` of a count within a larger one: part <= whole, the
  column null exactly when whole is 0, else equal to part / whole (within 1e-9). Fails with the
  rows that break it.
-#}
{% test is_share_of(model, column_name, part, whole) %}
select *
from {{ model }}
where {{ part }} > {{ whole }}
    or ({{ whole }} = 0 and {{ column_name }} is not null)
    or (
        {{ whole }} > 0
        and (
            {{ column_name }} is null
            or abs({{ column_name }} - cast({{ part }} as {{ type_double() }}) / {{ whole }}) > 1e-9
        )
    )
{% endtest %}

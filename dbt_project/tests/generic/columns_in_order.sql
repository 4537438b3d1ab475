{#-
  Within each row, the columns never decrease in the order given (e.g. dau <= wau <= mau: a wider
  window can only hold more). Fails with the rows where one column exceeds the next.
-#}
{% test columns_in_order(model, columns) %}
select *
from {{ model }}
where
    {%- for column in columns[:-1] %}
    {{ 'or ' if not loop.first }}{{ column }} > {{ columns[loop.index] }}
    {%- endfor %}
{% endtest %}

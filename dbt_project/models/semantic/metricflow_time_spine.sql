-- The day spine MetricFlow needs (cumulative windows, gap filling): every day of 2020-2039.
-- Static so it never depends on what is loaded; 7,305 rows.
select spine.date_day
from (select 1 as anchor) as one_row
{{ day_series("cast('2020-01-01' as date)", "cast('2039-12-31' as date)", 'spine') }}

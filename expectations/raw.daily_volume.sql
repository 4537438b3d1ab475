-- Rows loaded per raw stream and partition day over the recent window, each day set against the
-- median of the baseline_days days before it. Days without any row count as 0 (a day that
-- vanished is the volume drop that matters most); days before a stream's first partition are
-- left out. volume_ratio is null while the baseline is too thin to judge (short history, or
-- a stream too sparse for a daily volume rule).
-- Only the days the rules look at are counted: the cost does not grow with the history.
with daily as (
    select 'amplitude_events' as stream, raw_rows.dt as dt, count(*) as row_count
    from raw.amplitude_events as raw_rows
    where raw_rows.dt >= cast($reference_day as date) - ($window_days + $baseline_days - 1)
    group by raw_rows.dt
    union all
    select 'zendesk_tickets' as stream, raw_rows.dt as dt, count(*) as row_count
    from raw.zendesk_tickets as raw_rows
    where raw_rows.dt >= cast($reference_day as date) - ($window_days + $baseline_days - 1)
    group by raw_rows.dt
    union all
    select 'typeform_responses' as stream, raw_rows.dt as dt, count(*) as row_count
    from raw.typeform_responses as raw_rows
    where raw_rows.dt >= cast($reference_day as date) - ($window_days + $baseline_days - 1)
    group by raw_rows.dt
),

streams as (
    select 'amplitude_events' as stream, min(raw_rows.dt) as first_dt
    from raw.amplitude_events as raw_rows
    union all
    select 'zendesk_tickets' as stream, min(raw_rows.dt) as first_dt
    from raw.zendesk_tickets as raw_rows
    union all
    select 'typeform_responses' as stream, min(raw_rows.dt) as first_dt
    from raw.typeform_responses as raw_rows
),

spine as (
    select cast(series.generate_series as date) as dt
    from generate_series(
        cast($reference_day as date) - ($window_days + $baseline_days - 1),
        cast($reference_day as date),
        interval 1 day
    ) as series
),

counted as (
    select
        streams.stream as stream,
        spine.dt as dt,
        coalesce(daily.row_count, 0) as row_count
    from streams
    cross join spine
    left join daily
        on streams.stream = daily.stream
        and spine.dt = daily.dt
    where spine.dt >= streams.first_dt
),

with_baseline as (
    select
        counted.stream as stream,
        counted.dt as dt,
        counted.row_count as row_count,
        median(counted.row_count) over baseline as baseline_rows,
        count(*) over baseline as baseline_days_seen
    from counted
    window baseline as (
        partition by counted.stream order by counted.dt rows between $baseline_days preceding and 1 preceding
    )
)

select
    with_baseline.stream as stream,
    with_baseline.dt as dt,
    with_baseline.row_count as row_count,
    with_baseline.baseline_rows as baseline_rows,
    case
        when with_baseline.baseline_days_seen >= $min_baseline_days
            and with_baseline.baseline_rows >= $min_baseline_rows
            then with_baseline.row_count / with_baseline.baseline_rows
    end as volume_ratio
from with_baseline
where with_baseline.dt > cast($reference_day as date) - $window_days
order by with_baseline.stream, with_baseline.dt

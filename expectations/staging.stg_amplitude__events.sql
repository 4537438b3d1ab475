-- Typed Amplitude events of the upload partitions this build (re)loaded: the nightly lookback
-- window and, after an explicit backfill, the days it recomputed (duplicates included, as in the
-- model), checked in the database and aggregated per upload day: one row per upload_dt with, for every
-- rule, the number of events breaking it (<rule>_violations) and the first few of them
-- (<rule>_examples: file:line). Row-level frames would not fit in memory at millions of events
-- a day. A null value breaks only the presence rules: the blank rules judge the values present.
{#- each rule: the condition an event breaking it meets -#}
{%- set rules = {
    'event_uuid_present': 'events.event_uuid is null',
    'event_type_present': 'events.event_type is null',
    'event_type_not_blank': 'coalesce(regexp_matches(events.event_type, $blank_regex), false)',
    'device_id_present': 'events.device_id is null',
    'user_id_not_blank': 'coalesce(regexp_matches(events.user_id, $blank_regex), false)',
    'insert_id_not_blank': 'coalesce(regexp_matches(events.insert_id, $blank_regex), false)',
    'event_time_typed': 'events.event_time is null',
    'server_upload_time_typed': 'events.server_upload_time is null',
} %}
with checked as (
    select
        events.upload_dt as upload_dt,
        struct_pack(file := events.source_file, line := events.source_line) as position,
        events.source_file || ':' || events.source_line as at_line,
        {%- for rule, breaks in rules.items() %}
        {{ breaks }} as {{ rule }}{{ ',' if not loop.last }}
        {%- endfor %}
    from staging.stg_amplitude__events as events
    where {{ in_lookback_window('events.upload_dt', 'cast($reference_day as date)', '$lookback_days') }}
        or events.upload_dt between cast($recheck_start as date) and cast($recheck_end as date)
)

select
    checked.upload_dt as upload_dt,
    count(*) as event_count,
    {%- for rule in rules %}
    count(*) filter (where checked.{{ rule }}) as {{ rule }}_violations,
    arg_min(checked.at_line, checked.position, 5) filter (where checked.{{ rule }}) as {{ rule }}_examples
    {{- ',' if not loop.last }}
    {%- endfor %}
from checked
group by checked.upload_dt
order by checked.upload_dt

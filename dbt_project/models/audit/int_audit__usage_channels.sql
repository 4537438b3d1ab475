-- How an event type can feed the governed numbers, read from the models' logic (the usage
-- ledger's rules; a singular test checks each entry model still exists in the project):
--   active_user       a plan event with counts_as_active (whatever its status) makes its user
--                     active: int_active_users_daily, and int_anonymous_devices_daily for devices
--                     never identified (metrics.md 1.5, 3);
--   activation        the var activation_event decides int_user_retention.is_activated, read by
--                     the activation measures only (metrics.md 4);
--   feature_adoption  every plan event (any status) counts for the feature the plan maps it to in
--                     metrics_feature_adoption_weekly (metrics.md 4).
-- measure_column narrows the metrics fed to those whose measures' SQL uses that column.
select
    cast(channels.channel as {{ type_text() }}) as channel,
    cast(channels.entry_model as {{ type_text() }}) as entry_model,
    cast(channels.measure_column as {{ type_text() }}) as measure_column,
    cast(channels.rule as {{ type_text() }}) as rule
from (
    select
        'active_user' as channel,
        'int_active_users_daily' as entry_model,
        cast(null as {{ type_text() }}) as measure_column,
        'plan event with counts_as_active' as rule
    union all
    select
        'active_user' as channel,
        'int_anonymous_devices_daily' as entry_model,
        cast(null as {{ type_text() }}) as measure_column,
        'plan event with counts_as_active' as rule
    union all
    select
        'activation' as channel,
        'int_user_retention' as entry_model,
        'is_activated' as measure_column,
        'the var activation_event' as rule
    union all
    select
        'feature_adoption' as channel,
        'metrics_feature_adoption_weekly' as entry_model,
        cast(null as {{ type_text() }}) as measure_column,
        'any plan event (its feature)' as rule
) as channels

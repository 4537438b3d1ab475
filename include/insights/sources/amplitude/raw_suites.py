"""The raw GX datasets of amplitude: its streams' rules about the raw zone, besides the per-field rules of
its record schema (staging/_amplitude__sources.yml)."""

from insights.extraction.raw_suite import LOOKBACK_WINDOW, CustomRule, _fresh, _has_rows, stream_dataset
from insights.sources.amplitude import SPEC

DATASETS = (
    stream_dataset(
        SPEC,
        "events",
        "Amplitude export records",
        LOOKBACK_WINDOW,
        extra_columns=(("raw_rows.hour", "upload_hour"),),
        rules=(
            CustomRule(
                "in_upload_day_partition",
                "A record sits in the dt partition of its server_upload_time day",
                "{text:server_upload_time} is not null\n"
                "            and try_cast(substr({text:server_upload_time}, 1, 10) as date)"
                " is distinct from records.dt",
                " server_upload_time={text:server_upload_time}",
            ),
            CustomRule(
                "in_upload_hour_file",
                "A record sits in the hour file of its server_upload_time hour",
                "{text:server_upload_time} is not null\n"
                "            and try_cast(substr({text:server_upload_time}, 12, 2) as integer)"
                " is distinct from records.upload_hour",
                " server_upload_time={text:server_upload_time}",
            ),
        ),
        table_expectations=(
            _has_rows("Events were loaded in the recent window (at least one partition)"),
            _fresh(1, "The newest partition is at most 1 day behind the reference day, and none is in the future"),
        ),
    ),
)

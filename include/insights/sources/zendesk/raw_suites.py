"""The raw GX datasets of zendesk: its streams' rules about the raw zone, besides the per-field rules of
its record schema (staging/_zendesk__sources.yml)."""

from insights.extraction.raw_suite import RECENT_WINDOW, CustomRule, _fresh, _has_rows, stream_dataset
from insights.sources.zendesk import SPEC

DATASETS = (
    stream_dataset(
        SPEC,
        "tickets",
        "Zendesk ticket versions",
        RECENT_WINDOW,
        rules=(
            CustomRule(
                "in_extraction_interval",
                "A ticket version is never older than the start of its partition's interval (an extraction at "
                "the frontier reads on past the interval's end to the end of the stream, never before its start)",
                "cast(to_timestamp(try_cast({text:generated_timestamp} as bigint)) at time zone 'UTC' as date)"
                " < records.dt",
                " generated_timestamp={text:generated_timestamp}",
            ),
        ),
        table_expectations=(
            _has_rows("Ticket versions were loaded in the recent window"),
            _fresh(
                3,
                "The newest partition with tickets is at most 3 days behind the reference day (quiet days have "
                "none), and none is in the future",
            ),
        ),
    ),
)

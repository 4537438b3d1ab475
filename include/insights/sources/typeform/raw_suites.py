"""The raw GX datasets of typeform: its streams' rules about the raw zone, besides the per-field rules of
its record schema (staging/_typeform__sources.yml)."""

from insights.extraction.raw_suite import RECENT_WINDOW, CustomRule, _fresh, stream_dataset
from insights.sources.typeform import SPEC

FORM_ID = (("raw_rows.form_id", "form_id"),)  # the form of a row, from its raw-zone path

DATASETS = (
    stream_dataset(
        SPEC,
        "responses",
        "Typeform response items",
        RECENT_WINDOW,
        note="No freshness rule: a day without responses is normal; raw.typeform_forms carries it.",
        extra_columns=FORM_ID,
        rules=(
            CustomRule(
                "form_id_present",
                "Every response row knows its form (from the raw-zone path)",
                "records.form_id is null",
            ),
            CustomRule(
                "response_id_present",
                "Every response has a response_id (or token): deduplication needs it",
                "coalesce({text:response_id}, {text:token}) is null",
            ),
        ),
        table_expectations=(
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "days_behind_reference", "min_value": 0},
                "meta": {"name": "not_in_future"},
                "description": "No response partition is dated after the reference day",
            },
        ),
    ),
    stream_dataset(
        SPEC,
        "forms",
        "Typeform form definitions",
        RECENT_WINDOW,
        note="Fetched on every extraction interval, they show whether the survey source is fresh even on days "
        "without responses.",
        extra_columns=FORM_ID,
        rules=(
            CustomRule(
                "id_matches_path",
                "A definition's id is the form_id of its raw-zone path",
                "{text:id} <> records.form_id",
                " id={text:id}",
            ),
        ),
        table_expectations=(
            _fresh(
                1, "The survey source was extracted up to at most 1 day before the reference day, and not beyond it"
            ),
        ),
    ),
)

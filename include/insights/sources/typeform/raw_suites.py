"""The raw GX datasets of typeform: its streams' rules about the raw zone, besides the per-field rules of
its record schema (staging/_typeform__sources.yml)."""

from insights.extraction.raw_suite import RECENT_WINDOW, CustomRule, Dataset, _fresh

DATASETS = (
    Dataset(
        name="raw.typeform_responses",
        table="typeform_responses",
        source="typeform",
        stream="responses",
        description=(
            "Typeform response items loaded into raw.typeform_responses, partitions of the last window_days "
            "days up to the reference day (and any newer): one row per partition day with the number of "
            "records breaking each rule (<rule>_violations) and the first few of them (<rule>_examples). No "
            "freshness rule: a day without responses is normal; raw.typeform_forms carries it."
        ),
        window=RECENT_WINDOW,
        params={"window_days": 7},
        extra_columns=(("raw_rows.form_id", "form_id"),),
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
    Dataset(
        name="raw.typeform_forms",
        table="typeform_forms",
        source="typeform",
        stream="forms",
        description=(
            "Typeform form definitions loaded into raw.typeform_forms, partitions of the last window_days days "
            "up to the reference day (and any newer): fetched on every extraction interval, so they show "
            "whether the survey source is fresh even on days without responses. One row per partition day "
            "with the number of records breaking each rule (<rule>_violations) and the first few of them "
            "(<rule>_examples)."
        ),
        window=RECENT_WINDOW,
        params={"window_days": 7},
        extra_columns=(("raw_rows.form_id", "form_id"),),
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

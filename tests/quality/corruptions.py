"""For every expectation in expectations/: a corruption of the clean fixture warehouse that must break it.

Each case names the dataset and the expectation it targets, the SQL that corrupts a copy, and,
where one fault necessarily breaks a second rule too (a duplicated day is also a zero-day gap),
those other expectations: the test then requires exactly that set of failures, no more.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from insights.extraction.schema import stream_schema
from insights.extraction.schema_outputs import DATASETS
from tests.quality.world import REFERENCE_DAY


def day(offset: int = 0) -> str:
    """SQL literal of the reference day minus `offset` days."""
    return f"date '{REFERENCE_DAY - timedelta(days=offset)}'"


R = day()


@dataclass(frozen=True)
class Case:
    dataset: str
    expectation: str
    sql: tuple[str, ...]
    also: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.dataset}:{self.expectation}"


def _newest(table: str, where: str = "true") -> str:
    return f"rowid = (select max(to_pick.rowid) from {table} as to_pick where {where})"


def patch(table: str, json_patch: str, where: str = "true") -> str:
    """Merge `json_patch` into the payload of the newest raw row (a null value removes the key)."""
    merged = f"json_merge_patch(payload, '{json_patch}')"
    return f"update {table} set payload = {merged} where {_newest(table, where)}"


def update(table: str, assignments: str, where: str = "true") -> str:
    """Change one row (the last one written among those matching `where`)."""
    return f"update {table} set {assignments} where {_newest(table, where)}"


def duplicate(table: str, where: str) -> str:
    """Insert a second copy of the last row matching `where` (a whole-row copy is the fault itself)."""
    return f"insert into {table} select * from {table} where {_newest(table, where)}"


AMP = "raw.amplitude_events"
ZD = "raw.zendesk_tickets"
TF = "raw.typeform_responses"
FORMS = "raw.typeform_forms"
STG_AMP = "staging.stg_amplitude__events"
STG_ZD = "staging.stg_zendesk__tickets"
STG_TF = "staging.stg_typeform__responses"
AUD = "marts.metrics_active_users_daily"
RET = "marts.metrics_retention_cohorts"
ADOPT = "marts.metrics_feature_adoption_weekly"
NPS = "marts.metrics_nps_monthly"
SUP_D = "marts.metrics_support_daily"
SUP_W = "marts.metrics_support_weekly"
CSAT = "marts.metrics_csat_monthly"
TEAM = "marts.metrics_feedback_by_team_weekly"
UNR = "marts.metrics_feedback_unrouted_weekly"
PARTS = "raw._partitions"
TPF = "audit.tracking_plan_findings"
MF = "audit.metric_findings"

_SECOND_WEEK = f"(select min(weeks.week_start) + 7 from {ADOPT} as weeks)"


def _shift_all(table: str, column: str) -> str:
    return f"update {table} set {column} = {column} + 1"


# Each governed mart and the column naming its day, week, month or cohort day.
_PERIODS = {
    AUD: "date_day",
    RET: "cohort_date",
    ADOPT: "week_start",
    NPS: "month_start",
    SUP_D: "date_day",
    SUP_W: "week_start",
    CSAT: "month_start",
    TEAM: "week_start",
    UNR: "week_start",
}


def _completeness_cases() -> tuple[Case, ...]:
    """Per mart: the first period flagged incomplete, the last complete (a null flag is dbt's not_null)."""
    cases = []
    for mart, period in _PERIODS.items():
        first = f"(select min(rows_.{period}) from {mart} as rows_)"
        last = f"(select max(rows_.{period}) from {mart} as rows_)"
        cases.append(
            Case(
                mart,
                "complete_rows_before_incomplete",
                (
                    f"update {mart} set is_complete = false where {period} = {first}",
                    f"update {mart} set is_complete = true where {period} = {last}",
                ),
            )
        )
    return tuple(cases)


CASES: tuple[Case, ...] = (
    # ---- raw.amplitude_events
    Case(AMP, "has_recent_rows", (f"delete from {AMP} where dt > {day(7)}",), also=("fresh",)),
    Case(AMP, "fresh", (f"delete from {AMP} where dt >= {day(1)}",)),
    Case(
        AMP,
        "fresh",
        (  # a partition dated after the reference day, consistent with its records
            update(
                AMP,
                "dt = dt + 1, payload = json_merge_patch(payload, json_object('server_upload_time', "
                "strftime(cast(json_extract_string(payload, '$.server_upload_time') as timestamp) "
                "+ interval 1 day, '%Y-%m-%d %H:%M:%S.%f')))",
            ),
        ),
    ),
    Case(AMP, "event_type_present", (patch(AMP, '{"event_type": null}'),)),
    Case(AMP, "uuid_present", (patch(AMP, '{"uuid": null}'),)),
    Case(AMP, "device_id_present", (patch(AMP, '{"device_id": null}'),)),
    Case(AMP, "event_time_format", (patch(AMP, '{"event_time": "2026-10-31T10:00:00Z"}'),)),
    Case(AMP, "event_time_present", (patch(AMP, '{"event_time": null}'),)),
    Case(
        AMP,
        "server_upload_time_format",
        (
            update(
                AMP,
                "payload = json_merge_patch(payload, json_object('server_upload_time', "
                "replace(json_extract_string(payload, '$.server_upload_time'), ' ', 'T')))",
            ),
        ),
    ),
    Case(AMP, "in_upload_day_partition", (update(AMP, "dt = dt - 1"),)),
    Case(AMP, "in_upload_hour_file", (update(AMP, "hour = (hour + 1) % 24"),)),
    Case(AMP, "user_id_type", (patch(AMP, '{"user_id": 42}'),)),
    Case(AMP, "insert_id_type", (patch(AMP, '{"$insert_id": 7}'),)),
    Case(AMP, "session_id_type", (patch(AMP, '{"session_id": "1761900000000"}'),)),
    Case(AMP, "event_properties_type", (patch(AMP, '{"event_properties": [1]}'),)),
    Case(AMP, "user_properties_type", (patch(AMP, '{"user_properties": "pro"}'),)),
    # ---- raw.daily_volume
    Case("raw.daily_volume", "amplitude_events_volume", (f"delete from {AMP} where dt = {day(3)}",)),
    Case(
        "raw.daily_volume",
        "zendesk_tickets_volume",
        (  # one day re-delivered 12 times
            f"insert into {ZD} select copies.payload, copies.dt, copies._file, copies._line, "
            f"copies._loaded_at from {ZD} as copies cross join range(11) where copies.dt = {day(2)}",
        ),
    ),
    Case(
        "raw.daily_volume",
        "typeform_responses_volume",
        (  # 33 responses a day, then 3 on the last day
            f"insert into {TF} select copies.payload, copies.dt, copies.form_id, copies._file, copies._line, "
            f"copies._loaded_at from {TF} as copies cross join range(10) where copies.dt < {R}",
        ),
    ),
    # ---- raw.partitions: a partition landed by a run that quarantined 20% of its records
    Case(
        "raw.partitions",
        "run_quarantined_share_within_threshold",
        (update(PARTS, "quarantined = 7, run_quarantined_share = 0.2", "source = 'typeform'"),),
    ),
    # ---- raw.zendesk_tickets
    Case(ZD, "has_recent_rows", (f"delete from {ZD} where dt > {day(7)}",), also=("fresh",)),
    Case(ZD, "fresh", (f"delete from {ZD} where dt >= {day(3)}",)),
    Case(ZD, "id_type", (patch(ZD, '{"id": "12"}'),)),
    Case(ZD, "id_present", (patch(ZD, '{"id": null}'),)),
    Case(ZD, "status_accepted", (patch(ZD, '{"status": "escalated"}'),)),
    Case(ZD, "status_present", (patch(ZD, '{"status": null}'),)),
    Case(ZD, "created_at_format", (patch(ZD, '{"created_at": "2026-10-31 09:00:00"}'),)),
    Case(ZD, "created_at_present", (patch(ZD, '{"created_at": null}'),)),
    Case(ZD, "updated_at_format", (patch(ZD, '{"updated_at": "31/10/2026"}'),)),
    Case(
        ZD,
        "generated_timestamp_type",
        (
            update(
                ZD,
                "payload = json_merge_patch(payload, json_object('generated_timestamp', "
                "json_extract_string(payload, '$.generated_timestamp')))",
            ),
        ),
    ),
    # Moved one day later, but not past the newest partition (that would also break "fresh").
    Case(ZD, "in_extraction_interval", (update(ZD, "dt = dt + 1", where=f"dt < (select max(dt) from {ZD})"),)),
    Case(ZD, "tags_type", (patch(ZD, '{"tags": "area:billing"}'),)),
    Case(ZD, "satisfaction_score_accepted", (patch(ZD, '{"satisfaction_rating": {"score": "great"}}'),)),
    Case(ZD, "metric_set_type", (patch(ZD, '{"metric_set": "none"}'),)),
    Case(ZD, "metric_set_present", (patch(ZD, '{"metric_set": null}'),)),
    # ---- raw.typeform_responses
    Case(TF, "not_in_future", (update(TF, "dt = dt + 1"),)),
    Case(TF, "form_id_present", (update(TF, "form_id = null"),)),
    Case(TF, "response_id_present", (patch(TF, '{"response_id": null, "token": null}'),)),
    Case(TF, "response_type_accepted", (patch(TF, '{"response_type": "finished"}'),)),
    Case(TF, "landed_at_format", (patch(TF, '{"landed_at": "2026-10-31 10:00"}'),)),
    Case(TF, "landed_at_present", (patch(TF, '{"landed_at": null}'),)),
    Case(TF, "submitted_at_format", (patch(TF, '{"submitted_at": "2026/10/31"}'),)),
    Case(TF, "hidden_type", (patch(TF, '{"hidden": "x"}'),)),
    Case(TF, "answers_type", (patch(TF, '{"answers": {"nps": 9}}'),)),
    # ---- raw.typeform_forms
    Case(FORMS, "fresh", (f"delete from {FORMS} where dt >= {day(1)}",)),
    Case(FORMS, "id_matches_path", (patch(FORMS, '{"id": "other-form"}'),)),
    Case(FORMS, "fields_type", (patch(FORMS, '{"fields": {"nps": 1}}'),)),
    Case(FORMS, "fields_present", (patch(FORMS, '{"fields": null}'),)),
    # ---- staging.stg_amplitude__events
    Case(STG_AMP, "event_uuid_present", (update(STG_AMP, "event_uuid = null", f"upload_dt = {R}"),)),
    Case(STG_AMP, "event_type_present", (update(STG_AMP, "event_type = null", f"upload_dt = {R}"),)),
    Case(STG_AMP, "event_type_not_blank", (update(STG_AMP, "event_type = '  '", f"upload_dt = {R}"),)),
    Case(STG_AMP, "device_id_present", (update(STG_AMP, "device_id = null", f"upload_dt = {R}"),)),
    Case(STG_AMP, "user_id_not_blank", (update(STG_AMP, "user_id = ''", f"upload_dt = {R}"),)),
    Case(STG_AMP, "insert_id_not_blank", (update(STG_AMP, "insert_id = ''", f"upload_dt = {R}"),)),
    Case(STG_AMP, "event_time_typed", (update(STG_AMP, "event_time = null", f"upload_dt = {R}"),)),
    Case(
        STG_AMP,
        "server_upload_time_typed",
        (update(STG_AMP, "server_upload_time = null", f"upload_dt = {R}"),),
    ),
    # ---- staging.stg_zendesk__tickets
    Case(STG_ZD, "ticket_id_present", (update(STG_ZD, "ticket_id = null", f"source_dt = {R}"),)),
    Case(STG_ZD, "ticket_id_unique", (duplicate(STG_ZD, f"source_dt = {R}"),)),
    Case(STG_ZD, "status_accepted", (update(STG_ZD, "status = 'escalated'", f"source_dt = {R}"),)),
    Case(STG_ZD, "created_at_typed", (update(STG_ZD, "created_at = null", f"source_dt = {R}"),)),
    Case(
        STG_ZD,
        "updated_not_before_created",
        (update(STG_ZD, "updated_at = created_at - interval 1 day", f"source_dt = {R}"),),
    ),
    Case(
        STG_ZD,
        "solved_tickets_have_solved_at",
        (update(STG_ZD, "solved_at = null", f"source_dt = {day(1)} and is_solved"),),
    ),
    Case(
        STG_ZD,
        "satisfaction_score_accepted",
        (update(STG_ZD, "satisfaction_score = 'meh'", f"source_dt = {R}"),),
    ),
    # ---- staging.stg_typeform__responses
    Case(STG_TF, "response_id_present", (update(STG_TF, "response_id = null", f"source_dt = {R}"),)),
    Case(STG_TF, "response_unique", (duplicate(STG_TF, f"source_dt = {R}"),)),
    Case(STG_TF, "response_type_accepted", (update(STG_TF, "response_type = 'finished'", f"source_dt = {R}"),)),
    Case(
        STG_TF,
        "submitted_not_before_landed",
        (
            update(
                STG_TF,
                "submitted_at = landed_at - interval 1 hour",
                f"source_dt = {R} and submitted_at is not null",
            ),
        ),
    ),
    # ---- marts.metrics_active_users_daily
    Case(AUD, "has_rows", (f"delete from {AUD}",)),
    # ---- marts.metrics_retention_cohorts
    Case(RET, "has_rows", (f"delete from {RET}",)),
    # ---- marts.metrics_feature_adoption_weekly
    Case(ADOPT, "has_rows", (f"delete from {ADOPT}",)),
    Case(ADOPT, "week_starts_monday", (_shift_all(ADOPT, "week_start"),)),
    # ---- marts.metrics_nps_monthly
    Case(NPS, "month_starts_first_day", (_shift_all(NPS, "month_start"),)),
    # ---- marts.metrics_support_daily
    Case(SUP_D, "has_rows", (f"delete from {SUP_D}",)),
    # ---- marts.metrics_support_weekly
    Case(SUP_W, "week_starts_monday", (_shift_all(SUP_W, "week_start"),)),
    # ---- marts.metrics_csat_monthly
    Case(CSAT, "month_starts_first_day", (_shift_all(CSAT, "month_start"),)),
    Case(CSAT, "no_missing_month", (f"insert into {CSAT} values (date '2027-01-01', 0, null, false)",)),
    Case(CSAT, "rated_tickets_not_negative", (update(CSAT, "rated_tickets = -1"),)),
    Case(CSAT, "csat_null_only_without_ratings", (update(CSAT, "csat = null", "rated_tickets > 0"),)),
    # ---- marts.metrics_feedback_by_team_weekly
    Case(TEAM, "week_starts_monday", (_shift_all(TEAM, "week_start"),)),
    Case(TEAM, "resolved_not_negative", (update(TEAM, "feedback_resolved = -1"),)),
    # ---- marts.metrics_feedback_unrouted_weekly
    Case(UNR, "week_starts_monday", (_shift_all(UNR, "week_start"),)),
    Case(
        UNR,
        "unrouted_not_negative",
        (update(UNR, "unrouted_items = -1"),),
        also=("share_is_unrouted_over_items",),
    ),
    Case(
        UNR,
        "unrouted_not_above_items",
        (update(UNR, "unrouted_items = items + 1"),),
        also=("share_is_unrouted_over_items",),
    ),
    Case(UNR, "share_is_unrouted_over_items", (update(UNR, "unrouted_share = unrouted_share / 2 + 0.01"),)),
    # ---- audit
    Case(TPF, "finding_code_known", (update(TPF, "finding = 'volume_spike'"),)),
    Case(TPF, "finding_present", (update(TPF, "finding = null"),)),
    Case(TPF, "event_type_present", (update(TPF, "event_type = null"),)),
    Case(TPF, "reference_date_present", (update(TPF, "reference_date = null"),)),
    Case(TPF, "events_in_window_not_negative", (update(TPF, "events_in_window = -1"),)),
    Case(MF, "finding_code_known", (update(MF, "finding = 'stale'"),)),
    Case(MF, "metric_name_present", (update(MF, "metric_name = null"),)),
    # ---- checks.dau_consistency
    Case("checks.dau_consistency", "has_recomputed_days", (f"delete from {AUD}",)),
    Case(
        "checks.dau_consistency",
        "mart_matches_active_user_model",
        (  # one user less in the model today
            f"delete from intermediate.int_active_users_daily where date_day = {R} and user_id = "
            "(select min(active.user_id) from intermediate.int_active_users_daily as active "
            f"where active.date_day = {R})",
        ),
    ),
    # ---- checks.feedback_routing
    Case(
        "checks.feedback_routing",
        "team_sums_equal_routed_total",
        (update(TEAM, "feedback_received = feedback_received + 1"),),
    ),
    # ---- checks.active_users_history: a day older than the lookback window changed since publication
    Case(
        "checks.active_users_history",
        "dau_unchanged",
        (update(AUD, "dau = dau + 1", f"date_day = {day(10)}"),),
    ),
    Case(
        "checks.active_users_history",
        "wau_unchanged",
        (update(AUD, "wau = wau - 1", f"date_day = {day(10)}"),),
    ),
    Case(
        "checks.active_users_history",
        "mau_unchanged",
        (update(AUD, "mau = mau + 2", f"date_day = {day(10)}"),),
    ),
    Case(
        "checks.active_users_history",
        "anonymous_devices_unchanged",
        (update(AUD, "anonymous_devices = anonymous_devices + 1", f"date_day = {day(10)}"),),
    ),
    # ---- is_complete of every governed mart (metrics.md 1.6)
    *_completeness_cases(),
)


# ---- the raw suites' field rules (generated from the record schemas): one case each for the rules
# the hand-written cases above do not break, patching the newest record with a value the rule refuses.
_WRONG_TYPE = {"string": "42", "integer": '"x"', "number": '"x"', "boolean": '"x"', "object": "[1]", "array": '"x"'}
# A wrong-typed id also no longer matches the form id of its path.
_ALSO = {("raw.typeform_forms", "id_type"): ("id_matches_path",)}


def _nested(path: tuple[str, ...], value: str) -> str:
    for key in reversed(path):
        value = "{" + json.dumps(key) + ": " + value + "}"
    return value


def _schema_cases(hand_written: tuple[Case, ...]) -> tuple[Case, ...]:
    covered = {(c.dataset, c.expectation) for c in hand_written}
    cases = []
    for dataset in DATASETS:
        for field in stream_schema(dataset.source, dataset.stream).fields:
            for rule in field.rules():
                if (dataset.name, rule) in covered:
                    continue
                if rule.endswith("_present"):
                    value = "null"  # json_merge_patch removes the key
                elif rule.endswith("_accepted"):
                    value = '"not-an-accepted-value"'
                elif rule.endswith("_format"):
                    value = '"20261031T101500Z"'
                else:
                    value = _WRONG_TYPE[field.type]
                sql = patch(f"raw.{dataset.table}", _nested(field.path, value).replace("'", "''"))
                cases.append(Case(dataset.name, rule, (sql,), also=_ALSO.get((dataset.name, rule), ())))
    return tuple(cases)


CASES = CASES + _schema_cases(CASES)

# Expectations whose failing case needs more than this fixture, and the test that covers them.
COVERED_ELSEWHERE = {
    (
        "checks.dau_consistency",
        "mart_matches_semantic_layer",
    ): "needs a dbt build with the semantic layer: tests/quality/test_pipeline_gate.py",
}

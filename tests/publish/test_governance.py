"""What is governed (published to PMs): the dbt models declared `access: public`, read from the manifest.

The project's own declarations are checked on a real `dbt parse`: the public interface of
metrics.md section 8 is governed, each governed model is a contracted, owned, documented marts or
audit table, and no internal model is. Publication refuses rather than guesses when the manifest is
missing or a public model lives in another schema.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from insights.publish import PublishError, publish
from insights.serving.governance import governed_models
from insights.settings import load_settings
from insights.warehouse import dbt_paths, run_dbt
from tests.publish.conftest import World

# metrics.md section 8: the public interface, names fixed.
SPEC_INTERFACE = {
    "marts.metrics_active_users_daily", "marts.metrics_retention_cohorts", "marts.metrics_feature_adoption_weekly",
    "marts.metrics_nps_monthly", "marts.metrics_support_daily", "marts.metrics_support_weekly",
    "marts.metrics_csat_monthly", "marts.metrics_feedback_by_team_weekly", "marts.metrics_feedback_unrouted_weekly",
    "audit.tracking_plan_findings", "audit.metric_findings",
}
# Columns that would carry personal data or free text; none may be governed.
PERSONAL = {"pm_email", "email", "user_email", "user_id", "pain_point", "feedback_text", "subject", "description",
            "event_properties", "example_event_properties", "example_event_key", "payload", "comment"}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = tmp_path_factory.mktemp("parse")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("INSIGHTS_HOME", str(home))
        settings = load_settings()
        run_dbt(["parse"], settings)
        return json.loads((dbt_paths(settings, "duckdb")[0] / "manifest.json").read_text())


def test_the_projects_governed_models_are_the_public_interface_and_nothing_internal(
    manifest: dict, tmp_path: Path
) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    governed = governed_models(path)
    relations = {model.relation for model in governed.values()}

    assert relations >= SPEC_INTERFACE
    assert "marts.metrics_barometer_pain_points" in relations and "audit.tracking_plan_property_violations" in relations
    models = {n["unique_id"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    internal = {f"{n['schema']}.{n['alias']}" for n in models.values() if n["name"].startswith("int_")}
    assert len(internal) >= 10 and not relations & internal
    for model in governed.values():
        node = models[model.unique_id]
        assert node["config"]["contract"]["enforced"], model.relation
        assert (node["config"].get("meta") or {}).get("owner"), model.relation
        assert node["description"].strip(), model.relation
        assert all(c["description"].strip() for c in node["columns"].values()), model.relation
        assert not set(node["columns"]) & PERSONAL, model.relation


def test_publication_needs_the_manifest_to_know_what_is_governed(world: World) -> None:
    world.write(1)
    (dbt_paths(world.settings, "duckdb")[0] / "manifest.json").unlink()
    with pytest.raises(PublishError, match=r"manifest\.json: no dbt manifest, so no model is known to be governed"):
        publish(world.settings, require_gate=False)
    assert not world.settings.published_snapshot.exists()


def test_a_public_model_outside_marts_and_audit_is_refused_not_ignored(world: World) -> None:
    world.write(1)
    world.govern("staging.stg_users")  # staging holds e-mails (conftest): declaring it public is a mistake
    with pytest.raises(PublishError, match=r"declared access: public outside the published schemas marts, audit: "
                                           r"model\.insights\.staging__stg_users \(schema staging\)"):
        publish(world.settings, require_gate=False)
    assert not world.settings.published_snapshot.exists()


def test_a_governed_model_not_built_yet_is_left_out_with_a_warning(world: World) -> None:
    world.write(1)
    world.govern("marts.metrics_not_built")
    result = publish(world.settings, require_gate=False)
    assert "marts.metrics_not_built" not in result.tables and len(result.tables) == 3
    assert any("1 governed model(s) not built, so not published: marts.metrics_not_built" in w for w in result.warnings)

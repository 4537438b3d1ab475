"""Which warehouse tables are governed, i.e. what PMs may read: the dbt models declared `access: public`.

A model is governed when its YAML says so (`config: {access: public}`), reviewed like any other
change to the public interface (metrics.md section 8). Publication reads the declaration from
the manifest of this home's last dbt run, so it publishes what the build built, and nothing else:
internals (the `int_audit__*` models, anything carrying e-mails, raw properties or free text)
stay in the warehouse whatever schema they live in. A governed model must live in one of the
published schemas (`marts`, `audit`); declaring a staging or intermediate model public is refused
rather than silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from insights.kpis import ArtifactError, is_governed, read_artifact
from insights.serving.errors import PublishError
from insights.serving.tables import PUBLISHED_SCHEMAS


@dataclass(frozen=True)
class GovernedModel:
    unique_id: str  # model.insights.metrics_active_users_daily
    schema: str
    name: str  # the relation's name (the model's alias)

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"


def governed_models(manifest_path: Path) -> dict[tuple[str, str], GovernedModel]:
    """(schema, relation name) -> governed model, from the dbt manifest at `manifest_path`.

    Raises PublishError when the manifest is missing or unreadable (nothing can be called
    governed without it), or when a public model lives outside the published schemas.
    """
    if not manifest_path.is_file():
        raise PublishError(
            f"{manifest_path}: no dbt manifest, so no model is known to be governed (access: public); "
            "run the warehouse build (or `dbt parse`) on this home first. Nothing was published"
        )
    try:
        nodes = dict(read_artifact(manifest_path).get("nodes") or {})
    except (ArtifactError, TypeError, ValueError) as exc:
        raise PublishError(
            f"{manifest_path}: unreadable dbt manifest ({exc}); run the warehouse build again. Nothing was published"
        ) from exc
    governed: dict[tuple[str, str], GovernedModel] = {}
    misplaced: list[str] = []
    for unique_id, node in sorted(nodes.items()):
        if not isinstance(node, dict) or not is_governed(node):
            continue
        model = GovernedModel(unique_id, str(node.get("schema")), str(node.get("alias") or node.get("name")))
        if model.schema not in PUBLISHED_SCHEMAS:
            misplaced.append(f"{unique_id} (schema {model.schema})")
            continue
        governed[(model.schema, model.name)] = model
    if misplaced:
        raise PublishError(
            f"{manifest_path}: model(s) declared access: public outside the published schemas "
            f"{', '.join(PUBLISHED_SCHEMAS)}: {'; '.join(misplaced)}. Governed models are marts or audit "
            "tables; make the model protected or move it. Nothing was published"
        )
    return governed

"""The barometer's invited PMs (workspace config barometer_invitees.csv)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from insights.settings import PACKAGE_CONFIG_DIR
from insights.warehouse.load import workspace_rows
from insights.workspace import BarometerInvitee, WorkspaceConfigError, load_barometer_invitees, load_workspace
from insights_dev.simulator.config import WorldConfig
from insights_dev.simulator.gen_surveys import BAROMETER_FORM_ID
from insights_dev.simulator.generate import generate_world


def _write(folder: Path, text: str) -> Path:
    path = folder / "barometer_invitees.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_invitees_are_read_and_lower_cased(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "edition,pm_email\n2026-H1,Ana.Ruiz@Acme-Insights.com\n2026-H2, li.wei@acme.io \n"
    )
    assert load_barometer_invitees(path) == (
        BarometerInvitee("2026-H1", "ana.ruiz@acme-insights.com"),
        BarometerInvitee("2026-H2", "li.wei@acme.io"),
    )


def test_the_file_is_optional(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(PACKAGE_CONFIG_DIR, config)
    (config / "barometer_invitees.csv").unlink()
    workspace = load_workspace(config)
    assert workspace.barometer_invitees == ()
    assert workspace_rows(workspace)["ws_barometer_invitees"] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("edition,pm_email\n2026-Q1,a@b.io\n", r"line 2, field 'edition': '2026-Q1' is not an edition"),
        (
            "edition,pm_email\n2026-H1,a@b.io\n2026-H2,not-an-email\n",
            r"line 3, field 'pm_email': 'not-an-email'",
        ),
        (
            "edition,pm_email\n2026-H1,a@b.io\n2026-H1,A@B.io\n",
            r"line 3: a@b.io is listed twice for edition 2026-H1",
        ),
        ("edition,email\n2026-H1,a@b.io\n", r"header: missing column\(s\) pm_email"),
        ("edition,pm_email\n2026-H1,\n", r"line 2: empty value in column 'pm_email'"),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(WorkspaceConfigError, match=message) as error:
        load_barometer_invitees(path)
    assert str(path) in str(error.value)


def test_demo_invitees_cover_every_pm_the_simulated_world_surveys() -> None:
    workspace = load_workspace(PACKAGE_CONFIG_DIR)
    invited = {(i.edition, i.pm_email) for i in workspace.barometer_invitees}
    world = generate_world(WorldConfig(users=10, days=90))
    answered = {
        (r["hidden"]["edition"], r["hidden"]["pm_email"].lower()) for r in world.responses[BAROMETER_FORM_ID]
    }
    assert answered and answered <= invited
    # both editions invite the same 8 PMs: the 5 of product_areas.csv and the 3 extra ones the
    # simulator surveys (WorldConfig.barometer_extra_pms)
    assert {e for e, _ in invited} == {"2026-H1", "2026-H2"}
    assert len(invited) == 16
    assert {a.pm for a in workspace.product_areas} <= {pm for _, pm in invited}
    assert workspace_rows(workspace)["ws_barometer_invitees"][0] == ("2026-H1", "ana.ruiz@acme-insights.com")

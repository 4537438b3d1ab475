"""The end of a run: the quarantine threshold is checked before anything of the run is committed.

Over the threshold, no partition of the run gets a manifest (so the warehouse loader never reads
it), the state is not finished and the watermark does not move; the next run starts the interval
over. Under it, every manifest carries its partition's quarantined count and the run's share.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from insights.extraction.extract import extract_interval
from insights.extraction.landing import QuarantineThresholdError
from insights.settings import PACKAGE_CONFIG_DIR
from insights.warehouse import load_raw
from insights_dev.simulator import Faults, SimRequest, SimResponse
from insights_dev.simulator.protocol import json_response
from tests.extract import helpers as h

A = h.day_start(h.FIRST_DAY)
B = A.replace(day=A.day + 1)
TICKETS = h.make_ticket_versions(40)


class StatusAsNumber(Faults):
    """Every n-th ticket of a page comes with a numeric status (a type change the warehouse cannot use)."""

    def __init__(self, every: int) -> None:
        self.every = every

    def after(self, source: str, request: SimRequest, response: SimResponse) -> SimResponse:
        if source != "zendesk" or response.status != 200:
            return response
        body = json.loads(response.body)
        for n, ticket in enumerate(body["tickets"]):
            if n % self.every == 0:
                ticket["status"] = 3
        return json_response(200, body)


def test_an_over_threshold_run_commits_nothing_and_the_next_build_loads_none_of_it(home: Path) -> None:
    with h.running(h.make_world(tickets=TICKETS), faults=StatusAsNumber(every=3)) as sim:
        settings = h.settings_for(home, sim)
        with pytest.raises(QuarantineThresholdError) as caught:
            extract_interval("zendesk", A, B, settings)
    assert "field 'status'" in str(caught.value) and "line " in str(caught.value)
    partition = home / "raw/zendesk/tickets/dt=2026-08-03"
    assert list(partition.glob("part-*.jsonl.gz"))  # the good records are on disk, for inspection
    assert not (partition / "_manifest.json").exists()  # but the partition is not complete
    state = json.loads((home / "state/zendesk.json").read_text())
    assert state["in_progress"] is None and "last_completed" not in state  # never finished
    assert "quarantined" in state["last_failed"]["reason"]
    assert not (home / "raw/zendesk/_watermark.json").exists()
    loaded = load_raw(dataclasses.replace(settings, config_dir=PACKAGE_CONFIG_DIR))
    assert loaded.rows_inserted == 0  # the next build loads none of it


def test_the_run_after_an_over_threshold_run_starts_the_interval_over(home: Path) -> None:
    with (
        h.running(h.make_world(tickets=TICKETS), faults=StatusAsNumber(every=3)) as sim,
        pytest.raises(QuarantineThresholdError),
    ):
        extract_interval("zendesk", A, B, h.settings_for(home, sim))
    with h.running(h.make_world(tickets=TICKETS)) as sim:  # the source fixed its data
        result = extract_interval("zendesk", A, B, h.settings_for(home, sim))
        asked = [target for _, target, _ in sim.request_log]
    assert "start_time=" in asked[0]  # from the start, not resumed from the failed run's cursor
    assert result.records_quarantined == 0 and result.records_landed > 0
    manifest = json.loads((home / "raw/zendesk/tickets/dt=2026-08-03/_manifest.json").read_text())
    assert (manifest["rows"], manifest["quarantined"], manifest["run_quarantined_share"]) == (
        result.records_landed,
        0,
        0.0,
    )
    assert not list((home / "raw/_quarantine/zendesk").rglob("*.jsonl"))  # the old quarantine went with it


class OneBadResponse(h.EditFirstResponsesPage):
    """The second response of f1's first page loses its landed_at."""

    form = "f1"

    def edit(self, items: list[dict[str, Any]]) -> None:
        del items[1]["landed_at"]


def test_manifests_carry_their_partition_quarantine_and_the_run_share(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSIGHTS_MAX_QUARANTINE_SHARE", "0.1")
    world = h.make_world(forms=h.make_forms(["f1", "f2"]), responses={f: h.make_responses(f, 40) for f in ("f1", "f2")})
    with h.running(world, faults=OneBadResponse()) as sim:
        result = extract_interval("typeform", A, B, h.settings_for(home, sim))
    share = round(1 / (result.records_landed + 1), 6)
    manifests = {
        p.parent.relative_to(home / "raw").as_posix(): json.loads(p.read_text())
        for p in (home / "raw/typeform").rglob("_manifest.json")
    }
    assert {k: (m["quarantined"], m["run_quarantined_share"]) for k, m in manifests.items()} == {
        "typeform/forms/dt=2026-08-03": (0, share),
        "typeform/responses/form_id=f1/dt=2026-08-03": (1, share),
        "typeform/responses/form_id=f2/dt=2026-08-03": (0, share),
    }
    assert result.quarantined_by_field == {"landed_at": 1}

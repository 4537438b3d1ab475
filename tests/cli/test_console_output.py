"""What the `insights` command prints to a pipe (CI, an Airflow task, `| tee`): plain lines, one per step,
the per-request detail only when asked; a terminal gets the live display instead."""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from insights import progress
from insights.logs import configure_logging, console_level
from insights.pipeline import extract_days
from tests.extract.helpers import (
    FIRST_DAY,
    day_start,
    make_events,
    make_ticket_versions,
    make_world,
    running,
    settings_for,
    sim_env,
)

pytestmark = pytest.mark.cli

INSIGHTS = str(Path(sys.executable).with_name("insights"))
A = day_start(FIRST_DAY)
# CSI sequences (colours, cursor moves), a carriage return redrawing a line, or an OSC/other escape.
CONTROL = re.compile(r"\x1b|\r")
PER_REQUEST = re.compile(r"amplitude: GET http://\S+/amplitude/api/2/export\?\S+ -> HTTP 200 in ")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside CI and Airflow, so only the stream decides between live display and plain lines."""
    for name in ("CI", "GITHUB_ACTIONS", "AIRFLOW_CTX_DAG_ID", "INSIGHTS_PROGRESS", "INSIGHTS_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _extract_cli(home: Path, *flags: str, **env: str) -> subprocess.CompletedProcess[str]:
    with running(make_world(make_events(300))) as sim:
        environment = {k: v for k, v in os.environ.items() if k != "INSIGHTS_LOG_LEVEL"}
        for source in ("amplitude", "zendesk", "typeform"):  # all three set: no bundled world to generate
            environment.update(sim_env(home, sim, source))
        environment.update(env)
        return subprocess.run(
            [INSIGHTS, *flags, "extract", "amplitude", "--start", "2026-08-03T00:00Z", "--end", "2026-08-04T00:00Z"],
            capture_output=True,
            text=True,
            env=environment,
            timeout=120,
            check=False,
        )


def test_piped_output_is_plain_with_one_line_for_the_step(home: Path) -> None:
    completed = _extract_cli(home)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert not CONTROL.search(completed.stderr + completed.stdout)
    lines = completed.stderr.splitlines()
    step = [line for line in lines if "amplitude: [2026-08-03T00:00:00Z, 2026-08-04T00:00:00Z) done:" in line]
    assert len(step) == 1 and re.search(r"\d+ records landed, 0 quarantined, .* requests \(0 retried", step[0])
    assert not [line for line in lines if "upload hour" in line or PER_REQUEST.search(line)]
    assert len(lines) <= 3, lines  # the step line, at most the simulator's and the lock's


@pytest.mark.parametrize("how", [("-v",), ("INSIGHTS_LOG_LEVEL", "DEBUG")], ids=["-v", "INSIGHTS_LOG_LEVEL"])
def test_verbose_shows_the_per_request_and_per_page_lines(home: Path, how: tuple[str, ...]) -> None:
    completed = _extract_cli(home, how[0]) if len(how) == 1 else _extract_cli(home, **{how[0]: how[1]})
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert PER_REQUEST.search(completed.stderr), completed.stderr[-2000:]
    assert "amplitude: upload hour 2026-08-03T" in completed.stderr
    assert not CONTROL.search(completed.stderr)


def test_a_backfill_of_days_logs_one_line_per_source(home: Path, no_ci: None, restore_logging: None) -> None:
    stream = io.StringIO()
    with running(make_world(tickets=make_ticket_versions(30))) as sim:
        display = configure_logging(settings_for(home, sim), logging.INFO, stream)
        with display:
            results = extract_days("zendesk", FIRST_DAY, FIRST_DAY + timedelta(days=1), settings_for(home, sim))
    assert len(results) == 2 and all(r.complete for r in results)
    messages = [re.sub(r"^\S+ INFO +", "", line) for line in stream.getvalue().splitlines()]
    assert len(messages) == 1, messages
    assert re.fullmatch(
        rf"zendesk: 2 interval\(s\) extracted, {sum(r.records_landed for r in results)} records landed, "
        rf"0 quarantined, {sum(r.requests for r in results)} requests \(0 retried after HTTP 429/5xx, "
        r"0 s waiting\) in \d+ s",
        messages[0],
    ), messages[0]
    assert not CONTROL.search(stream.getvalue())
    # The detail is not lost: the log file holds every interval's lines.
    logged = (home / "logs" / "insights.log").read_text()
    assert logged.count("DEBUG   insights.pipeline: zendesk: extracting [2026-08-0") == 2
    assert logged.count("DEBUG   insights.pipeline: zendesk: [2026-08-0") == 2  # each interval's done line


def test_a_terminal_gets_the_live_display_and_a_pipe_does_not(home: Path, no_ci: None, restore_logging: None) -> None:
    """The control-code check above can fail: the same calls on a terminal do write them."""
    settings = settings_for(home)
    outputs = {}
    for name, stream in (("terminal", Terminal()), ("pipe", io.StringIO())):
        with configure_logging(settings, logging.INFO, stream), progress.task("extract zendesk", total=3) as bar:
            for _ in range(3):
                bar.advance(detail="2026-08-03")
            logging.getLogger("insights.pipeline").info("zendesk: 3 interval(s) extracted")
        outputs[name] = stream.getvalue()
    assert CONTROL.search(outputs["terminal"])  # the bar's redraws, and colours
    assert "zendesk: 3 interval(s) extracted" in re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", outputs["terminal"])
    assert not CONTROL.search(outputs["pipe"]) and outputs["pipe"].endswith("zendesk: 3 interval(s) extracted\n")


@pytest.mark.parametrize("variable", ["CI", "AIRFLOW_CTX_DAG_ID"])
def test_ci_and_airflow_tasks_get_plain_lines_even_on_a_terminal(
    home: Path, no_ci: None, restore_logging: None, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "1")
    stream = Terminal()
    with configure_logging(settings_for(home), logging.INFO, stream), progress.task("dbt build", total=2) as bar:
        bar.advance()
        logging.getLogger("insights.pipeline").info("dbt build: 2 node(s)")
    assert not CONTROL.search(stream.getvalue()) and stream.getvalue().endswith("dbt build: 2 node(s)\n")


def test_console_level() -> None:
    assert console_level(environ={}) == logging.INFO
    assert console_level(verbose=True, environ={"INSIGHTS_LOG_LEVEL": "WARNING"}) == logging.DEBUG
    assert console_level(quiet=True, environ={}) == logging.WARNING
    assert console_level(environ={"INSIGHTS_LOG_LEVEL": "debug"}) == logging.DEBUG
    with pytest.raises(ValueError, match="INSIGHTS_LOG_LEVEL='LOUD'"):
        console_level(environ={"INSIGHTS_LOG_LEVEL": "loud"})

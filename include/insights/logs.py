"""Logging of the `insights` command: a console a person reads, a file that keeps everything.

Console (stderr): INFO by default, one line per step with its counts and duration; `-v` or
INSIGHTS_LOG_LEVEL=DEBUG adds the per-request, per-page and per-node lines, `-q` keeps warnings
and errors. On a terminal the lines go through rich with live progress bars (insights.progress);
piped, in CI or under Airflow they are plain lines without any control code.
The file ($INSIGHTS_HOME/logs/insights.log) always gets DEBUG, whatever the console shows.
"""

from __future__ import annotations

import logging
import os
import sys
from contextlib import AbstractContextManager, nullcontext
from typing import IO, Any

from insights.progress import live_display, live_wanted
from insights.settings import Settings

PLAIN_FORMAT = "%(asctime)s %(levelname)-7s %(message)s"
FILE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Third-party loggers whose INFO is about their own machinery, not the pipeline's work.
QUIET_LIBRARIES = ("urllib3", "great_expectations", "filelock", "asyncio", "httpx")


def console_level(verbose: bool = False, quiet: bool = False, environ: dict[str, str] | None = None) -> int:
    """-v wins over -q, which wins over INSIGHTS_LOG_LEVEL (a level name), else INFO."""
    if verbose:
        return logging.DEBUG
    if quiet:
        return logging.WARNING
    name = (environ if environ is not None else os.environ).get("INSIGHTS_LOG_LEVEL", "").strip().upper()
    level = logging.getLevelName(name) if name else logging.INFO
    if not isinstance(level, int):
        raise ValueError(f"INSIGHTS_LOG_LEVEL={name!r} is not a log level (DEBUG, INFO, WARNING, ERROR)")
    return level


def configure_logging(
    settings: Settings, level: int = logging.INFO, stream: IO[str] | None = None
) -> AbstractContextManager[Any]:
    """Install the console and file handlers; returns the live display to run the command in (a no-op
    context off a terminal). Raises OSError when the logs folder cannot be written."""
    stream = stream or sys.stderr
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    logfile = logging.FileHandler(settings.logs_dir / "insights.log")
    logfile.setFormatter(logging.Formatter(FILE_FORMAT))
    logfile.setLevel(logging.DEBUG)
    display: AbstractContextManager[Any] = nullcontext()
    console: logging.Handler
    if live_wanted(stream):
        from rich.console import Console
        from rich.logging import RichHandler

        rich_console = Console(file=stream, stderr=stream is sys.stderr)
        console = RichHandler(
            console=rich_console, show_path=False, markup=False, rich_tracebacks=False, log_time_format="%H:%M:%S"
        )
        display = live_display(rich_console)
    else:
        console = logging.StreamHandler(stream)
        console.setFormatter(logging.Formatter(PLAIN_FORMAT, "%H:%M:%S"))
    console.setLevel(level)
    root = logging.getLogger()
    root.handlers[:] = [console, logfile]
    root.setLevel(logging.INFO)
    logging.getLogger("insights").setLevel(logging.DEBUG)  # the file keeps the pipeline's detail
    for noisy in QUIET_LIBRARIES:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return display

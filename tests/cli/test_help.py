"""Every command, subcommand, argument and option of `insights` has a help text."""

from __future__ import annotations

import argparse

import pytest

from insights.cli import build_parser, main

pytestmark = pytest.mark.cli


def missing_help(parser: argparse.ArgumentParser, path: str = "insights") -> list[str]:
    """Where help is missing: `insights sim serve --host`, or a subcommand without its one-line help."""
    missing = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            summaries = {choice.dest: choice.help for choice in action._choices_actions}
            for name, subparser in action.choices.items():
                if not summaries.get(name):
                    missing.append(f"{path} {name} (no one-line help)")
                if not subparser.description:
                    missing.append(f"{path} {name} (no description in its --help)")
                missing += missing_help(subparser, f"{path} {name}")
            continue
        if not action.help or action.help == argparse.SUPPRESS:
            missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
    return missing


def test_every_command_and_option_has_help() -> None:
    assert missing_help(build_parser()) == []


def test_the_check_catches_a_missing_help() -> None:
    parser = argparse.ArgumentParser(prog="insights")
    parser.add_argument("--documented", help="has one")
    parser.add_argument("--bare")
    sub = parser.add_subparsers()
    quiet = sub.add_parser("quiet")  # neither a one-line help nor a description
    quiet.add_argument("target")
    assert missing_help(parser) == [
        "insights --bare",
        "insights quiet (no one-line help)",
        "insights quiet (no description in its --help)",
        "insights quiet target",
    ]


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert {
        "demo",
        "backfill",
        "extract",
        "build",
        "gate",
        "publish",
        "audit",
        "query",
        "report",
        "kpis",
        "bench",
        "sim",
    } <= set(commands)
    for name in commands:
        assert f"\n    {name} " in text, f"`insights --help` does not list {name}"

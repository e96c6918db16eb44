"""Every command and subcommand explains itself, and --help stays cheap."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from issuer.cli import COMMANDS, main


def _all_commands() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    context = click.Context(main)
    for name in COMMANDS:
        command = main.get_command(context, name)
        paths.append((name,))
        if isinstance(command, click.Group):
            paths += [(name, sub) for sub in command.list_commands(context)]
    return paths


@pytest.mark.parametrize("path", _all_commands(), ids=" ".join)
def test_command_has_help_text(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])

    assert result.exit_code == 0, result.output
    usage, _, body = result.output.partition("\n\n")
    assert usage.startswith("Usage: ")
    assert len(body.split("Options:")[0].strip()) > 20, f"{path} has no help text"


def test_main_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])

    for name in COMMANDS:
        assert f"  {name} " in result.output


def test_help_imports_no_command_module() -> None:
    code = (
        "import sys; from issuer.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in sys.modules if m.startswith(('issuer.', 'verifier'))]\n"
        "print(sorted(loaded))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert "verifier" not in output
    assert "issuer.compiler" not in output

"""Every CLI command has help with an example, and the README lists the commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer.main
from typer.testing import CliRunner

from valbar.cli import app

README = Path(__file__).resolve().parents[3] / "README.md"


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for name, cmd in group.commands.items():
        path = (*prefix, name)
        if hasattr(cmd, "commands"):
            out.extend(_commands(cmd, path))
        else:
            out.append(path)
    return out


def test_every_command_has_help_with_an_example() -> None:
    root = typer.main.get_command(app)
    assert hasattr(root, "commands")
    commands = _commands(root)
    assert ("ingest",) in commands and ("catalog", "import") in commands
    runner = CliRunner()
    for path in commands:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Example: valbar " + " ".join(path) in result.output.replace("\n", " "), path


def test_readme_mentions_every_top_level_command() -> None:
    root = typer.main.get_command(app)
    assert hasattr(root, "commands")
    text = README.read_text()
    for name in root.commands:
        assert f"valbar {name}" in text, name

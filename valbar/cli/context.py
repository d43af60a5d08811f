"""What every command needs: settings, a migrated database, and one way to report errors."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from sqlalchemy.orm import Session, sessionmaker

from catalog.settings import Settings, get_settings
from catalog.single_line import flat
from indexer.jobs import factory_for


def open_db() -> tuple[Settings, sessionmaker[Session]]:
    """Settings plus a session factory; the schema is migrated on first use."""
    settings = get_settings()
    return settings, factory_for(settings)


USAGE = 2  # the command line is wrong: an option, an argument, a value (click's code too)
RUNTIME = 1  # the command line is right but it failed: the data, a file's content, a service


def fail(message: str, *, as_json: bool = False, code: int = USAGE, **extra: Any) -> NoReturn:
    """Report an error and exit: :data:`USAGE` (2) by default, :data:`RUNTIME` (1) for
    errors of the data or the environment."""
    if as_json:
        typer.echo(json.dumps({"error": message, **extra}, ensure_ascii=False))
    else:
        typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def echo_row(text: str) -> None:
    """One row of a table: a line break or another control character in a cell (a name
    stored before such names were refused) becomes a space, so a row stays one line."""
    typer.echo(flat(text))


def echo_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")

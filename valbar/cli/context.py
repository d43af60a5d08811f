"""What every command needs: settings, a migrated database, and one way to report errors."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from sqlalchemy.orm import Session, sessionmaker

from catalog.settings import Settings, get_settings
from indexer.jobs import factory_for


def open_db() -> tuple[Settings, sessionmaker[Session]]:
    """Settings plus a session factory; the schema is migrated on first use."""
    settings = get_settings()
    return settings, factory_for(settings)


def fail(message: str, *, as_json: bool = False, code: int = 2, **extra: Any) -> NoReturn:
    if as_json:
        typer.echo(json.dumps({"error": message, **extra}, ensure_ascii=False))
    else:
        typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def echo_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")

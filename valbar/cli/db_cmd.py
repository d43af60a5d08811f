"""``valbar db``: bring the database schema to the newest revision."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from catalog.db import current_revision, head_revision, make_engine, migrate
from catalog.settings import get_settings
from valbar.cli.context import RUNTIME, echo_json, fail

app = typer.Typer(help="The database schema (Alembic migrations).", no_args_is_help=True)


@app.command("upgrade")
def upgrade(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Migrate the database of VALBAR_DATABASE_URL (or the SQLite file in the data dir) to
    the newest schema. Run it once per release before starting the new code: every process
    would otherwise migrate on its first use (safely: one migrates, the others wait).

    Example: valbar db upgrade   (VALBAR_DATABASE_URL=postgresql+psycopg://valbar@db/valbar)
    """
    settings = get_settings()
    engine = make_engine(settings.sqlalchemy_url)
    try:
        before = current_revision(engine)
        migrate(engine)
        after = current_revision(engine)
    except SQLAlchemyError as exc:
        fail(
            f"database: {type(exc).__name__}: {exc.__cause__ or exc}", as_json=as_json, code=RUNTIME
        )
    finally:
        engine.dispose()
    head = head_revision()
    if as_json:
        echo_json({"before": before, "after": after, "head": head, "changed": before != after})
    elif before == after:
        typer.echo(f"database already at {after}")
    else:
        typer.echo(f"database migrated: {before or 'empty'} -> {after}")

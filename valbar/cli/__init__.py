"""The ``valbar`` command line. Every command's docstring is its help, with an example."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Annotated

import typer

from valbar.cli import (
    catalog_cmd,
    db_cmd,
    demo_cmd,
    eval_cmd,
    feeds_cmd,
    jobs_cmd,
    key_cmd,
    loyalty_cmd,
    org_cmd,
    retailer_cmd,
    search_cmd,
    serve_cmd,
    user_cmd,
    users_cmd,
)

app = typer.Typer(
    name="valbar",
    help="Valbar: compare dental supply offers ranked by service quality.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(catalog_cmd.app, name="catalog")
app.add_typer(retailer_cmd.app, name="retailer")
app.command("ingest")(feeds_cmd.ingest)
app.add_typer(feeds_cmd.runs_app, name="runs")
app.command("demo")(demo_cmd.demo)
app.command("serve")(serve_cmd.serve)
app.command("search")(search_cmd.search)
app.command("suggest")(search_cmd.suggest)
app.command("reindex")(search_cmd.reindex)
app.add_typer(eval_cmd.eval_app, name="eval")
app.add_typer(users_cmd.app, name="users")
app.add_typer(user_cmd.app, name="user")
app.add_typer(key_cmd.app, name="key")
app.add_typer(org_cmd.app, name="org")
app.add_typer(db_cmd.app, name="db")
app.add_typer(loyalty_cmd.app, name="loyalty")
PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": False}
app.command("worker", context_settings=PASS_THROUGH)(jobs_cmd.worker)
app.command("beat", context_settings=PASS_THROUGH)(jobs_cmd.beat)


def version() -> str:
    """The installed Valbar's version (``pyproject.toml``)."""
    try:
        return package_version("valbar")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"valbar {version()}")
        raise typer.Exit(0)


@app.callback()
def _root(
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Valbar: compare dental supply offers ranked by service quality."""


def main() -> None:
    app()

"""The ``valbar`` command line. Every command's docstring is its help, with an example."""

from __future__ import annotations

import typer

from valbar.cli import (
    catalog_cmd,
    demo_cmd,
    eval_cmd,
    feeds_cmd,
    retailer_cmd,
    search_cmd,
    serve_cmd,
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


def main() -> None:
    app()

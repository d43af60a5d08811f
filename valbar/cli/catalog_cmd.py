"""``valbar catalog``: import manufacturer product information."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from indexer.catalog_service import import_catalog
from indexer.errors import FeedFormatError
from valbar.cli.context import RUNTIME, echo_json, fail, open_db

app = typer.Typer(help="Manufacturer catalog (product information).", no_args_is_help=True)


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="A file, a directory or a .zip of such files.")],
    format: Annotated[str, typer.Option(help="auto, gudid, bmecat, icecat, csv.")] = "auto",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print counts and errors as JSON.")
    ] = False,
) -> None:
    """Import manufacturer products (GUDID XML, BMEcat, Icecat, CSV); re-import updates.

    Example: valbar catalog import data/demo/gudid_dental_demo.jsonl.gz --json
    """
    if not path.exists():
        fail(f"{path}: no such file or directory", as_json=as_json)
    settings, factory = open_db()
    try:
        report = import_catalog(
            factory, settings, path, format=format, progress=None if as_json else typer.echo
        )
    except FeedFormatError as exc:  # the file's content, not the command line
        fail(str(exc), as_json=as_json, code=RUNTIME)
    if as_json:
        echo_json(report)
    else:
        typer.echo(", ".join(f"{k}={v}" for k, v in report["counts"].items()))
        for err in report["errors"][:20]:
            typer.echo(f"  {err}")

"""``valbar ingest`` and ``valbar runs``: retailer feed intake from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import select

from api.cli.context import echo_json, fail, open_db
from catalog.models import FeedRun, Retailer
from indexer.columns import load_mapping_file
from indexer.errors import FeedFormatError, IndexerError, MissingColumnsError
from indexer.jobs import reindex_products
from indexer.pipeline import FeedOptions, dry_run, run_feed, submit_feed


def ingest(
    path: Annotated[Path, typer.Argument(help="The retailer's file, in any supported format.")],
    retailer: Annotated[str, typer.Option("--retailer", help="Retailer slug.")],
    format: Annotated[
        str, typer.Option(help="auto, csv, tsv, xlsx, json, jsonl, google_rss, shopify_csv, ...")
    ] = "auto",
    mapping: Annotated[Path | None, typer.Option(help='TOML/JSON file: field = "Header".')] = None,
    delta: Annotated[bool, typer.Option(help="Update only the rows present.")] = False,
    dry_run_: Annotated[
        bool, typer.Option("--dry-run", help="Validate and preview; change nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    allow_mass_withdrawal: Annotated[
        bool,
        typer.Option(
            help="Apply a full feed even if it withdraws more than half of the active offers."
        ),
    ] = False,
) -> None:
    """Ingest a retailer's assortment file: detect format and columns, normalize, match, store.

    Example: valbar ingest lager.csv --retailer dentalgrossisten --dry-run --json
    """
    if not path.is_file():
        fail(f"{path}: no such file", as_json=as_json)
    settings, factory = open_db()
    try:
        override = load_mapping_file(mapping) if mapping else None
        options = FeedOptions(
            format=format,
            mapping=override,
            delta=delta,
            allow_mass_withdrawal=allow_mass_withdrawal,
        )
        if dry_run_:
            report = dry_run(factory, settings, path, retailer, options)
            if as_json:
                echo_json(report)
            else:
                _print_summary(report)
            if report.get("message"):  # the real run would be refused
                raise typer.Exit(1)
            return
        run_id = submit_feed(factory, settings, path, retailer, options)
        outcome = _run_with_progress(factory, settings, run_id, quiet=as_json)
    except (FeedFormatError, MissingColumnsError, IndexerError) as exc:
        fail(str(exc), as_json=as_json)
    data = outcome.as_json()
    if outcome.status == "succeeded":
        data["counts"]["indexed_products"] = reindex_products(settings, outcome.changed_product_ids)
    if as_json:
        echo_json(data)
    else:
        _print_summary(data)
    if outcome.status != "succeeded":
        raise typer.Exit(1)


def _run_with_progress(factory: Any, settings: Any, run_id: int, quiet: bool) -> Any:
    if quiet:
        return run_feed(factory, settings, run_id)
    with typer.progressbar(length=100, label="ingesting", file=None) as bar:
        done = [0]

        def progress(_stage: str, frac: float) -> None:
            target = int(frac * 100)
            if target > done[0]:
                bar.update(target - done[0])
                done[0] = target

        return run_feed(factory, settings, run_id, progress=progress)


def _print_summary(data: dict[str, Any]) -> None:
    if data.get("feed_run_id") is not None:
        typer.echo(f"feed run {data['feed_run_id']}: {data.get('status')}")
    if data.get("message"):
        typer.echo(data["message"])
    typer.echo(f"format: {data.get('format')}  encoding: {data.get('encoding')}")
    for field, header in (data.get("mapping") or {}).items():
        typer.echo(f"  {field:15} <- {header}")
    counts = data.get("counts") or {}
    typer.echo(
        "counts: "
        + ", ".join(f"{k}={v}" for k, v in counts.items() if isinstance(v, int | float | str))
    )
    errors = data.get("errors") or []
    for e in errors[:20]:
        typer.echo(
            f"  row {e['row']}: {e['field']}={e['value']!r}: {e['message']}"
            f" [{e.get('severity', 'error')}]"
        )
    if len(errors) > 20:
        typer.echo(f"  ... and {len(errors) - 20} more listed (use --json for them)")
    truncated = int(data.get("errors_truncated") or counts.get("errors_truncated") or 0)
    if truncated:
        groups = data.get("error_groups") or counts.get("error_groups") or []
        typer.echo(f"  ... and {truncated} more not listed, by field and reason:")
        for g in groups[:20]:
            typer.echo(f"    {g['count']:>8}  {g['field']}: {g['reason']} [{g['severity']}]")


def runs(
    retailer: Annotated[str | None, typer.Option(help="Only this retailer.")] = None,
    limit: Annotated[int, typer.Option(help="How many.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List recent feed runs with status and counts.

    Example: valbar runs --retailer dentalgrossisten
    """
    _, factory = open_db()
    with factory() as session:
        q = select(FeedRun, Retailer.slug).join(Retailer).order_by(FeedRun.id.desc()).limit(limit)
        if retailer:
            q = q.where(Retailer.slug == retailer)
        rows = [
            {
                "id": r.id,
                "retailer": slug,
                "file": r.file_name,
                "status": r.status,
                "format": r.format,
                "counts": r.counts,
                "message": r.message,
                "created_at": r.created_at.isoformat(),
            }
            for r, slug in session.execute(q)
        ]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['id']:5} {r['retailer']:20} {r['status']:10} {r['file']}  {r['counts']}")

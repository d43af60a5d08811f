"""``valbar ingest`` and ``valbar runs``: retailer feed intake from the command line.

``valbar ingest`` runs the feed the way the server does (``indexer.feed_runner``): in a child
process with the memory and time limits, at lower CPU priority, holding the run's lease, then
the search index, then the run's events.
``valbar runs cancel ID`` stops a queued or running run wherever it runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import select

from catalog.models import FeedRun, Retailer
from indexer import run_lease
from indexer.columns import load_mapping_file
from indexer.errors import FeedFormatError, IndexerError, MissingColumnsError
from indexer.feed_runner import FeedRunDone, run_feed_run
from indexer.pipeline import FeedOptions, dry_run, submit_feed
from valbar.cli.context import RUNTIME, echo_json, echo_row, fail, open_db


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
        done = _run_with_progress(factory, settings, run_id, quiet=as_json)
    except (FeedFormatError, MissingColumnsError, IndexerError) as exc:
        # the file or the retailer (unknown, unreadable, a column missing), like a rejected run
        fail(str(exc), as_json=as_json, code=RUNTIME)
    if done.result.claim is run_lease.Claim.BUSY:
        run_lease.request_cancel(factory, run_id)  # leave nothing queued behind
        fail(
            f"another run of {retailer!r} is running; try again when it has ended "
            "(see: valbar runs)",
            as_json=as_json,
            code=RUNTIME,
        )
    data = _run_report(factory, run_id)
    if done.succeeded:  # the run's products, applied from the index outbox
        data["counts"]["indexed_products"] = done.indexed
    if as_json:
        echo_json(data)
    else:
        _print_summary(data)
    if not done.succeeded:
        raise typer.Exit(1)


def _run_with_progress(factory: Any, settings: Any, run_id: int, quiet: bool) -> FeedRunDone:
    if quiet:
        return run_feed_run(settings, factory, run_id)
    with typer.progressbar(length=100, label="ingesting", file=None) as bar:
        shown = [0]

        def progress(frac: float) -> None:
            target = int(frac * 100)
            if target > shown[0]:
                bar.update(target - shown[0])
                shown[0] = target

        done = run_feed_run(settings, factory, run_id, on_progress=progress)
        progress(1.0)
        return done


def _run_report(factory: Any, run_id: int) -> dict[str, Any]:
    """The run as ``--json`` prints it (what the run recorded)."""
    with factory() as session:
        run = session.get(FeedRun, run_id)
        assert run is not None
        return {
            "feed_run_id": run.id,
            "status": run.status,
            "message": run.message,
            "format": run.format,
            "encoding": run.encoding,
            "mapping": dict(run.mapping or {}),
            "counts": dict(run.counts or {}),
            "errors": list(run.row_errors or []),  # the first feed_max_row_errors, counted rest
        }


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
        echo_row(
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
            echo_row(f"    {g['count']:>8}  {g['field']}: {g['reason']} [{g['severity']}]")


runs_app = typer.Typer(
    help="Feed runs: list them (valbar runs), cancel one, sweep stuck ones.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@runs_app.callback(invoke_without_command=True)
def runs(
    ctx: typer.Context,
    retailer: Annotated[str | None, typer.Option(help="Only this retailer.")] = None,
    limit: Annotated[int, typer.Option(help="How many.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List recent feed runs with status and counts.

    Example: valbar runs --retailer dentalgrossisten
    """
    if ctx.invoked_subcommand is not None:
        return
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
        echo_row(f"{r['id']:5} {r['retailer']:20} {r['status']:10} {r['file']}  {r['counts']}")


@runs_app.command("cancel")
def cancel(
    run_id: Annotated[int, typer.Argument(help="The feed run's id (see: valbar runs).", min=1)],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Cancel a queued or running feed run; nothing it had not committed is changed.

    A queued run ends at once; a running one is stopped by the process supervising it within
    a few seconds (VALBAR_FEED_HEARTBEAT_SECONDS).

    Example: valbar runs cancel 17
    """
    _, factory = open_db()
    try:
        status = run_lease.request_cancel(factory, run_id)
    except run_lease.RunFinished as exc:
        fail(str(exc), as_json=as_json, code=RUNTIME)
    except IndexerError as exc:  # no such run
        fail(str(exc), as_json=as_json, code=RUNTIME)
    note = "cancelled" if status == "cancelled" else "cancellation requested; it stops shortly"
    if as_json:
        echo_json({"id": run_id, "status": status, "note": note})
    else:
        typer.echo(f"feed run {run_id}: {note}")


@runs_app.command("sweep")
def sweep(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """End or re-queue runs whose process stopped renewing its lease, and send queued runs
    nobody claimed to the workers (with a broker) or run them here (without one).
    ``valbar serve`` and the Celery worker do this every 30 s themselves.

    Example: valbar runs sweep --json
    """
    from indexer import jobs

    settings, factory = open_db()
    report = run_lease.sweep(
        factory,
        max_attempts=settings.feed_max_attempts,
        requeue_after_seconds=settings.feed_requeue_after_seconds,
    ).as_dict()
    for run_id in report["dispatch"]:
        if settings.broker_url:
            jobs.dispatch(run_id)
        else:
            run_feed_run(settings, factory, run_id)
    if as_json:
        echo_json(report)
    else:
        typer.echo(", ".join(f"{k}: {v or '-'}" for k, v in report.items()))

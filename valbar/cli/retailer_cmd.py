"""``valbar retailer``: add and list retailers, set their service-quality signals."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from catalog.db import transaction
from catalog.models import Retailer, RetailerSignals, utcnow
from catalog.single_line import has_control
from marketplace.video_links import VideoLinkError, parse_video_link
from valbar.cli.context import RUNTIME, echo_json, echo_row, fail, open_db

app = typer.Typer(
    help="Retailers (återförsäljare) and their quality signals.", no_args_is_help=True
)


@app.command("add")
def add(
    slug: Annotated[str, typer.Argument(help="Short id, e.g. 'dentalgrossisten'.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    presentation: Annotated[str, typer.Option(help="Presentation text.")] = "",
    video_url: Annotated[
        str, typer.Option(help="Optional presentation video: a YouTube or Vimeo link.")
    ] = "",
) -> None:
    """Add a retailer (or update its name and presentation).

    Example: valbar retailer add dentalgrossisten --name "Dentalgrossisten AB"
    """
    if has_control(name) or not name.strip():
        raise typer.BadParameter(
            "one line of text (no line breaks or control characters)", param_hint="--name"
        )
    if video_url:
        try:
            video_url = parse_video_link(video_url).url
        except VideoLinkError as exc:
            raise typer.BadParameter(str(exc), param_hint="--video-url") from exc
    _, factory = open_db()
    with transaction(factory) as session:
        retailer = session.scalar(select(Retailer).where(Retailer.slug == slug))
        if retailer is None:
            retailer = Retailer(slug=slug, name=name)
            session.add(retailer)
        retailer.name = name
        retailer.presentation = presentation or retailer.presentation
        retailer.video_url = video_url or retailer.video_url
    typer.echo(f"retailer {slug}: {name}")


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List retailers.

    Example: valbar retailer list --json
    """
    _, factory = open_db()
    with factory() as session:
        rows = [
            {"slug": r.slug, "name": r.name}
            for r in session.scalars(select(Retailer).order_by(Retailer.slug))
        ]
    if as_json:
        echo_json(rows)
    else:
        for r in rows:
            echo_row(f"{r['slug']:30} {r['name']}")


@app.command("signals")
def signals(
    slug: Annotated[str, typer.Argument(help="Retailer slug.")],
    delivery_precision: Annotated[float | None, typer.Option(help="On-time share 0..1.")] = None,
    delivery_count: Annotated[int | None, typer.Option(help="Orders measured.")] = None,
    stock_accuracy: Annotated[float | None, typer.Option(help="Stock accuracy 0..1.")] = None,
    stock_count: Annotated[int | None, typer.Option(help="Orders measured.")] = None,
    review_overall: Annotated[float | None, typer.Option(help="Average 1..5.")] = None,
    review_count: Annotated[int | None, typer.Option(help="Number of reviews.")] = None,
    treatment: Annotated[float | None, typer.Option(help="Bemötande 1..5.")] = None,
    feedback: Annotated[float | None, typer.Option(help="Återkoppling 1..5.")] = None,
    rma: Annotated[float | None, typer.Option(help="Returns handling 0..1.")] = None,
    rma_count: Annotated[int | None, typer.Option(help="Returns measured.")] = None,
    competence: Annotated[float | None, typer.Option(help="Competence 1..5.")] = None,
) -> None:
    """Set a retailer's quality signals by hand (later computed from orders and reviews).

    Example: valbar retailer signals dentalgrossisten --delivery-precision 0.92 --delivery-count 148
    """
    _, factory = open_db()
    checks = {
        "delivery_precision": delivery_precision,
        "stock_accuracy": stock_accuracy,
        "rma": rma,
    }
    for field, value in checks.items():
        if value is not None and not 0 <= value <= 1:
            fail(f"--{field.replace('_', '-')} must be between 0 and 1, got {value}")
    for field, value in {
        "review_overall": review_overall,
        "treatment": treatment,
        "feedback": feedback,
        "competence": competence,
    }.items():
        if value is not None and not 1 <= value <= 5:
            fail(f"--{field.replace('_', '-')} must be between 1 and 5, got {value}")
    with transaction(factory) as session:
        retailer = session.scalar(select(Retailer).where(Retailer.slug == slug))
        if retailer is None:
            fail(f"unknown retailer {slug!r}; add it with `valbar retailer add`", code=RUNTIME)
        row = session.get(RetailerSignals, retailer.id) or RetailerSignals(retailer_id=retailer.id)
        session.add(row)
        values = {
            "delivery_precision": delivery_precision,
            "delivery_count": delivery_count,
            "stock_accuracy": stock_accuracy,
            "stock_count": stock_count,
            "review_overall": review_overall,
            "review_count": review_count,
            "treatment": treatment,
            "feedback": feedback,
            "rma": rma,
            "rma_count": rma_count,
            "competence": competence,
        }
        for key, value in values.items():
            if value is not None:
                setattr(row, key, value)
        for dim in ("treatment", "feedback", "competence"):
            if values[dim] is not None and review_count is not None:
                setattr(row, f"{dim}_count", review_count)
        row.source = "manual"
        row.updated_at = utcnow()
    typer.echo(f"signals updated for {slug}")

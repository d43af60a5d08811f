"""Demand events of the web app: searches and product views, counted for retailer statistics
(``marketplace.stats``) without slowing the request.

Used by the API's routes (``api.routers.search``, ``api.routers.products``) and the UI's pages
(``ui.routes.clinic``): a module of its own, not a router, so the UI above takes it from here.
Rows go to the app's :class:`~marketplace.demand.DemandRecorder` (an in-memory append) and a
full or old batch is written by a background task after the response has been sent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from fastapi import BackgroundTasks, Request
from sqlalchemy import select

from catalog.models import Retailer
from marketplace.demand import DemandRecorder, event_row, search_rows
from marketplace.enums import DemandKind
from marketplace.search_report import QueryStatRecorder
from search.service import SearchResponse

_RECORDER_LOCK = threading.Lock()
SLUG_REFRESH_SECONDS = 60.0
# A search shows ~20 products, one row each: batches of 1000 (about 50 searches, or 5 s at
# most) spread a commit over more rows; per-row cost stays (~10 us on SQLite).
DEMAND_BATCH_ROWS = 1000


class _SlugIds:
    """Retailer slug -> id (search hits name retailers by slug; events store ids)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.loaded: float | None = None


def demand_recorder(request: Request) -> DemandRecorder:
    """The app's recorder, created on first use."""
    state = request.app.state
    recorder: DemandRecorder | None = getattr(state, "demand_recorder", None)
    if recorder is None:
        with _RECORDER_LOCK:
            recorder = getattr(state, "demand_recorder", None)
            if recorder is None:
                recorder = DemandRecorder(state.session_factory, batch_size=DEMAND_BATCH_ROWS)
                state.demand_recorder = recorder
                state.demand_slugs = _SlugIds()
    return recorder


def _retailer_ids(request: Request, slugs: set[str]) -> dict[str, int]:
    demand_recorder(request)  # creates the slug map beside the recorder
    known: _SlugIds = request.app.state.demand_slugs
    now = time.monotonic()
    stale = known.loaded is None or now - known.loaded > SLUG_REFRESH_SECONDS
    if not slugs <= known.ids.keys() and stale:
        with request.app.state.session_factory() as session:
            known.ids = dict(session.execute(select(Retailer.slug, Retailer.id)).all())
        known.loaded = now
    return known.ids


def _submit(request: Request, background: BackgroundTasks, rows: list[dict[str, object]]) -> None:
    recorder = demand_recorder(request)
    if rows and recorder.record(*rows):
        background.add_task(recorder.flush)


def query_stats(request: Request) -> QueryStatRecorder:
    """The app's counter of searches per query (the zero-result and no-click report)."""
    state = request.app.state
    recorder: QueryStatRecorder | None = getattr(state, "query_stats", None)
    if recorder is None:
        with _RECORDER_LOCK:
            recorder = getattr(state, "query_stats", None)
            if recorder is None:
                recorder = QueryStatRecorder(state.session_factory, batch_size=DEMAND_BATCH_ROWS)
                state.query_stats = recorder
    return recorder


def record_search(
    request: Request,
    background: BackgroundTasks,
    query: str,
    result: SearchResponse,
    first_page: bool = True,
) -> None:
    """One ``search`` event per product shown, with the retailer of its best offer at rank 1;
    counted in the app's metrics (searches, zero-result searches) by channel, and (a typed
    query's first page) in the report of zero-result and no-click searches."""
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        channel = "api" if request.url.path.startswith("/api/") else "web"
        metrics.searched(channel, result.total)
    if first_page and query.strip():
        stats = query_stats(request)
        if stats.searched(query, result.total):
            background.add_task(stats.flush)
    slugs = {h.best_offer["retailer"] for h in result.hits if h.best_offer}
    ids = _retailer_ids(request, slugs) if slugs else {}
    shown = [
        (hit.product_id, ids.get(hit.best_offer["retailer"]) if hit.best_offer else None)
        for hit in result.hits
    ]
    rows = search_rows(query, shown)
    _submit(request, background, rows)


def record_click(request: Request, background: BackgroundTasks, query: str | None) -> None:
    """A result of a search for ``query`` was opened (the product link carries the query)."""
    if query and query.strip():
        stats = query_stats(request)
        if stats.clicked(query):
            background.add_task(stats.flush)


def record_view(
    request: Request,
    background: BackgroundTasks,
    product_id: int,
    shown: Iterable[tuple[str, int]],
) -> None:
    """One ``view`` event: the product page with every retailer (slug, rank) as shown."""
    pairs = list(shown)
    ids = _retailer_ids(request, {slug for slug, _rank in pairs}) if pairs else {}
    ranks = [(ids[slug], rank) for slug, rank in pairs if slug in ids]
    _submit(request, background, [event_row(DemandKind.VIEW, product_id=product_id, shown=ranks)])

"""Full-text search with filters, facets and explained ranking; completions."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.deps import RateLimitDep, SearchDep, SettingsDep
from api.problems import InvalidInput
from api.schemas.common import problems
from api.schemas.search import (
    SearchResponsePublic,
    SuggestResponsePublic,
    search_response_json,
)
from catalog.models import Retailer
from marketplace.demand import DemandRecorder, event_row, search_rows
from marketplace.enums import DemandKind
from search.service import MAX_PAGE_SIZE, MAX_RESULT_WINDOW, SearchRequest, SearchResponse

router = APIRouter(tags=["search"], dependencies=[RateLimitDep])

# ---------------------------------------------------------------- demand events
# Searches and product views are counted for retailer statistics (marketplace.stats) without
# slowing the request: rows go to the app's DemandRecorder (an in-memory append) and a full
# or old batch is written by a background task after the response has been sent.

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


def record_search(
    request: Request, background: BackgroundTasks, query: str, result: SearchResponse
) -> None:
    """One ``search`` event per product shown, with the retailer of its best offer at rank 1."""
    slugs = {h.best_offer["retailer"] for h in result.hits if h.best_offer}
    ids = _retailer_ids(request, slugs) if slugs else {}
    shown = [
        (hit.product_id, ids.get(hit.best_offer["retailer"]) if hit.best_offer else None)
        for hit in result.hits
    ]
    rows = search_rows(query, shown)
    _submit(request, background, rows)


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


Sort = Literal["relevance", "price_asc", "price_desc", "delivery"]


class SearchParams(BaseModel):
    """The query parameters of ``GET /search`` (validated as one model: a dozen separate
    parameters cost FastAPI a measurable share of a search request)."""

    q: str = Field("", max_length=500, description="Swedish or English text")
    brand: str | None = Field(None, max_length=300)
    category: str | None = Field(None, max_length=300)
    manufacturer: str | None = Field(None, max_length=300)
    retailer: str | None = Field(None, max_length=300)
    in_stock: bool | None = None
    max_delivery_days: int | None = Field(None, ge=0, le=365)
    min_price: Decimal | None = Field(None, ge=0, le=10**9)
    max_price: Decimal | None = Field(None, ge=0, le=10**9)
    sort: Sort = "relevance"
    page: int = Field(1, ge=1, le=MAX_RESULT_WINDOW)
    size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


@router.get(
    "/search",
    response_model=SearchResponsePublic,
    responses=problems(401, 422, 429, 503),
)
async def search(
    request: Request,
    response: Response,
    background: BackgroundTasks,
    service: SearchDep,
    settings: SettingsDep,
    params: Annotated[SearchParams, Query()],
) -> Response:
    """Search products; every hit carries its best offer and why it ranks where it does.

    Example: ``GET /api/v1/search?q=nitrilhandskar&in_stock=true&sort=relevance``
    """
    p = params
    if p.min_price is not None and p.max_price is not None and p.min_price > p.max_price:
        raise InvalidInput(
            "min_price must not be above max_price",
            errors=[{"loc": ["query", "min_price"], "msg": "above max_price"}],
        )
    if p.page * p.size > MAX_RESULT_WINDOW:
        raise InvalidInput(
            f"page * size must not exceed {MAX_RESULT_WINDOW}",
            errors=[{"loc": ["query", "page"], "msg": "beyond the result window"}],
        )
    result = service.search(
        SearchRequest(
            q=p.q,
            brand=p.brand,
            category=p.category,
            manufacturer=p.manufacturer,
            retailer=p.retailer,
            in_stock=p.in_stock,
            max_delivery_days=p.max_delivery_days,
            min_price=p.min_price,
            max_price=p.max_price,
            sort=p.sort,
            page=p.page,
            size=p.size,
            config_name=settings.ranking_config,
        )
    )
    record_search(request, background, p.q, result)
    # Headers set by dependencies (e.g. rate-limit headers) live on ``response``.
    extra = {
        k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")
    }
    body = search_response_json(result, p.page, p.size)
    return Response(body, media_type="application/json", headers=extra)


@router.get("/suggest", response_model=SuggestResponsePublic, responses=problems(422, 429))
def suggest(
    service: SearchDep,
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> SuggestResponsePublic:
    """Completions for a search box. Example: ``GET /api/v1/suggest?q=nitril``"""
    values = service.suggest(q, limit) if q.strip() else []
    return SuggestResponsePublic(data=values, count=len(values))

"""Full-text search with filters, facets and explained ranking; completions."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response
from pydantic import BaseModel, Field

from api.demand import record_search
from api.deps import RateLimitDep, SearchDep, SettingsDep
from api.key_scopes import allow_keys
from api.language import LangDep
from api.problems import InvalidInput
from api.schemas.common import API_PROBLEMS, problems
from api.schemas.search import (
    SearchResponsePublic,
    SuggestResponsePublic,
    search_response_json,
)
from catalog.enums import KeyScope
from search.service import MAX_PAGE_SIZE, MAX_RESULT_WINDOW, SearchRequest

router = APIRouter(
    tags=["search"],
    dependencies=[RateLimitDep, allow_keys(KeyScope.SEARCH)],
    responses=API_PROBLEMS,
)

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
    lang: LangDep,
) -> Response:
    """Search products; every hit carries its best offer and why it ranks where it does.

    Each explanation contribution has a reason ``code`` and its ``values``, and a ``text``
    in the language of ``Accept-Language`` (``sv`` or ``en``, default ``en``).

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
    record_search(request, background, p.q, result, first_page=p.page == 1)
    # Headers set by dependencies (e.g. rate-limit headers) live on ``response``.
    extra = {
        k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")
    }
    body = search_response_json(result, p.page, p.size, lang)
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

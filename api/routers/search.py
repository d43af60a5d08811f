"""Full-text search with filters, facets and explained ranking; completions."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api.deps import RateLimitDep, SearchDep, SettingsDep
from api.problems import InvalidInput
from api.schemas.common import problems
from api.schemas.search import SearchResponsePublic, SuggestResponsePublic
from search.service import MAX_PAGE_SIZE, MAX_RESULT_WINDOW, SearchRequest

router = APIRouter(tags=["search"], dependencies=[RateLimitDep])

Sort = Literal["relevance", "price_asc", "price_desc", "delivery"]
Facet = Annotated[str | None, Query(max_length=300)]


@router.get(
    "/search",
    response_model=SearchResponsePublic,
    responses=problems(401, 422, 429, 503),
)
def search(
    response: Response,
    service: SearchDep,
    settings: SettingsDep,
    q: Annotated[str, Query(max_length=500, description="Swedish or English text")] = "",
    brand: Facet = None,
    category: Facet = None,
    manufacturer: Facet = None,
    retailer: Facet = None,
    in_stock: bool | None = None,
    max_delivery_days: Annotated[int | None, Query(ge=0, le=365)] = None,
    min_price: Annotated[Decimal | None, Query(ge=0, le=10**9)] = None,
    max_price: Annotated[Decimal | None, Query(ge=0, le=10**9)] = None,
    sort: Sort = "relevance",
    page: Annotated[int, Query(ge=1, le=MAX_RESULT_WINDOW)] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
) -> Response:
    """Search products; every hit carries its best offer and why it ranks where it does.

    Example: ``GET /api/v1/search?q=nitrilhandskar&in_stock=true&sort=relevance``
    """
    if min_price is not None and max_price is not None and min_price > max_price:
        raise InvalidInput(
            "min_price must not be above max_price",
            errors=[{"loc": ["query", "min_price"], "msg": "above max_price"}],
        )
    if page * size > MAX_RESULT_WINDOW:
        raise InvalidInput(
            f"page * size must not exceed {MAX_RESULT_WINDOW}",
            errors=[{"loc": ["query", "page"], "msg": "beyond the result window"}],
        )
    result = service.search(
        SearchRequest(
            q=q,
            brand=brand,
            category=category,
            manufacturer=manufacturer,
            retailer=retailer,
            in_stock=in_stock,
            max_delivery_days=max_delivery_days,
            min_price=min_price,
            max_price=max_price,
            sort=sort,
            page=page,
            size=size,
            config_name=settings.ranking_config,
        )
    )
    body = SearchResponsePublic.model_validate(
        {
            "data": [asdict(hit) for hit in result.hits],
            "count": result.total,
            "facets": result.facets,
            "took_ms": result.took_ms,
            "relaxed": result.relaxed,
            "page": page,
            "size": size,
        }
    )
    # Validated once above; serialized in pydantic-core without a second validation pass.
    # (Headers set by dependencies, e.g. rate-limit headers, live on ``response``.)
    extra = {
        k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")
    }
    return Response(body.model_dump_json(), media_type="application/json", headers=extra)


@router.get("/suggest", response_model=SuggestResponsePublic, responses=problems(422, 429))
def suggest(
    service: SearchDep,
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> SuggestResponsePublic:
    """Completions for a search box. Example: ``GET /api/v1/suggest?q=nitril``"""
    values = service.suggest(q, limit) if q.strip() else []
    return SuggestResponsePublic(data=values, count=len(values))

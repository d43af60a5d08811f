"""A product's price history for API consumers, and clinic users' price watches.

``GET /products/{id}/price-history`` is public (a search-scoped key may read it); the
watches are a clinic user's own. Watching is a PUT: the same request twice (or twice at
once) leaves one watch with those options (``marketplace.price_watch``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy.orm import Session

from api.deps import CurrentUser, RateLimitDep, SessionDep
from api.key_scopes import allow_keys
from api.paging import PageDep
from api.problems import NotFound
from api.schemas.common import API_PROBLEMS, MAX_INT, ListResponse, problems
from api.schemas.price_history import (
    PriceHistoryPublic,
    PricePoint,
    PricePosition,
    RetailerPriceSeries,
    WatchPublic,
    WatchRequest,
)
from catalog.enums import KeyScope
from catalog.models import Product
from marketplace import price_history, price_watch
from marketplace.dates import utc_now
from marketplace.price_watch import WatchView

router = APIRouter(tags=["price history"], dependencies=[RateLimitDep], responses=API_PROBLEMS)

ProductId = Annotated[int, Path(ge=1, le=MAX_INT)]
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"


def _product(session: Session, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(f"no product with id {product_id}")
    return product


@router.get(
    "/products/{product_id}/price-history",
    response_model=PriceHistoryPublic,
    responses=problems(404, 422),
    dependencies=[allow_keys(KeyScope.SEARCH)],
)
def get_price_history(
    product_id: ProductId,
    session: SessionDep,
    days: Annotated[
        int, Query(ge=1, le=price_history.MAX_DAYS, description="The window, ending today.")
    ] = 90,
    retailer: Annotated[
        str | None,
        Query(pattern=SLUG_PATTERN, description="Only this retailer's series (its slug)."),
    ] = None,
) -> PriceHistoryPublic:
    """The lowest buyable price per day and each retailer's price, over ``days`` days ending
    today, and where the current price stands. Example:
    ``GET /api/v1/products/42/price-history?days=90&retailer=tandab``"""
    _product(session, product_id)
    retailer_id = None
    if retailer is not None:
        retailer_id = price_history.retailer_by_slug(session, retailer).id
    found = price_history.price_history(
        session,
        product_id,
        days,
        retailer_id=retailer_id,
        today=price_history.today_of(utc_now()),
    )
    pos = found.position
    return PriceHistoryPublic(
        product_id=product_id,
        days=days,
        retailer=retailer,
        currency=found.currency,
        lowest=[PricePoint(date=d, price=p) for d, p in zip(found.days, found.lowest, strict=True)],
        retailers=[
            RetailerPriceSeries(
                retailer=s.slug,
                retailer_name=s.name,
                currency=s.currency,
                points=[
                    PricePoint(date=d, price=p) for d, p in zip(found.days, s.prices, strict=True)
                ],
            )
            for s in found.retailers
        ],
        position=PricePosition(
            current=pos.current,
            low=pos.low,
            high=pos.high,
            lowest_in_window=pos.lowest,
            above_low_percent=pos.above_low_percent,
        ),
    )


def _public(view: WatchView) -> WatchPublic:
    w = view.watch
    below = w.target_price is not None and view.lowest is not None and view.lowest < w.target_price
    return WatchPublic(
        id=w.id,
        product_id=w.product_id,
        product_name=view.product_name,
        target_price=w.target_price,
        back_in_stock=w.back_in_stock,
        retailer=view.retailer_slug,
        retailer_name=view.retailer_name,
        lowest_price=view.lowest,
        below_target=below,
        created_at=w.created_at,
    )


@router.get("/watches", response_model=ListResponse[WatchPublic], responses=problems(401, 403))
def list_watches(
    session: SessionDep, user: CurrentUser, page: PageDep
) -> ListResponse[WatchPublic]:
    """Your price watches, newest first, with each product's lowest buyable price now
    (clinic users)."""
    found = price_watch.watches_of(session, user, limit=page.limit, offset=page.offset)
    return page.response([_public(v) for v in found.items], found.count)


@router.put(
    "/products/{product_id}/watch",
    response_model=WatchPublic,
    responses=problems(401, 403, 404, 422),
)
def put_watch(
    product_id: ProductId, body: WatchRequest, session: SessionDep, user: CurrentUser
) -> WatchPublic:
    """Watch a product (or change your watch of it): be told in-app, and by e-mail as your
    notification preferences say (``price_alert``), when the lowest buyable price falls below
    ``target_price``, when it is back in stock, or when ``retailer`` lists it. Each fires
    once per crossing. Idempotent: the same request again leaves one watch."""
    w = price_watch.watch(
        session,
        user,
        product_id,
        target_price=body.target_price,
        back_in_stock=body.back_in_stock,
        retailer_slug=body.retailer,
        now=utc_now(),
    )
    session.commit()
    return _public(price_watch.view_of(session, w))


@router.delete(
    "/products/{product_id}/watch",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403),
)
def delete_watch(product_id: ProductId, session: SessionDep, user: CurrentUser) -> Response:
    """Stop watching a product (no watch to remove is not an error: 204 either way)."""
    price_watch.unwatch(session, user, product_id)
    session.commit()
    return Response(status_code=204)

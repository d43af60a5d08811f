"""Product pages and side-by-side comparison; offers come ranked with their explanations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request
from sqlalchemy.orm import Session

from api.demand import record_click, record_view
from api.deps import RateLimitDep, SearchDep, SessionDep, SettingsDep
from api.key_scopes import allow_keys
from api.language import API_DEFAULT_LANGUAGE, LangDep
from api.problems import InvalidInput, NotFound
from api.schemas.common import API_PROBLEMS, MAX_INT, ListResponse, problems
from api.schemas.products import OfferPublic, ProductPublic
from catalog.enums import KeyScope
from catalog.models import Offer, Product, Retailer
from catalog.reads import offers_with_retailers, products_by_id
from ranking.explain import explanation_json
from ranking.scoring import RankedOffer
from search.prices import MARKETPLACE_CURRENCY
from search.service import SearchService

router = APIRouter(
    tags=["products"],
    dependencies=[RateLimitDep, allow_keys(KeyScope.SEARCH)],
    responses=API_PROBLEMS,
)

MAX_ID = MAX_INT


def _offer_fields(
    found: tuple[Offer, Retailer], rank: int, ranked: RankedOffer, lang: str
) -> dict[str, Any]:
    """One offer as the API shows it, at its retailer's place ``rank``."""
    offer, retailer = found
    return {
        "id": offer.id,
        "rank": rank,
        "score": ranked.score,
        "retailer": retailer.slug,
        "retailer_name": retailer.name,
        "sku": offer.sku,
        "name": offer.raw_name,
        "price": offer.price,
        "currency": offer.currency,
        "vat_included": offer.vat_included,
        "stock_status": offer.stock_status,
        "stock_quantity": offer.stock_quantity,
        "delivery_days": offer.delivery_days,
        "url": offer.url,
        "retailer_metadata": offer.retailer_metadata or {},
        "updated_at": offer.updated_at,
        "explanation": explanation_json(ranked.explanation.as_dict(), lang, MARKETPLACE_CURRENCY),
    }


def product_public(
    session: Session,
    service: SearchService,
    product: Product,
    config_name: str,
    lang: str = API_DEFAULT_LANGUAGE,
) -> ProductPublic:
    places = service.product_retailers(product.id, config_name)
    rows = offers_with_retailers(
        session, [r.offer.offer_id for place in places for r in place.offers]
    )
    offers = []
    for place in places:
        found = [
            _offer_fields(rows[r.offer.offer_id], place.rank, r, lang)
            for r in place.offers
            if r.offer.offer_id in rows  # not withdrawn between the two reads
        ]
        if found:
            best, *more = found
            offers.append(OfferPublic.model_validate({**best, "more_from_retailer": more}))
    manufacturer = product.manufacturer
    return ProductPublic.model_validate(
        {
            "id": product.id,
            "name": product.name,
            "brand": product.brand,
            "mpn": product.mpn,
            "gtin": product.primary_gtin,
            "description": product.description,
            "category": product.category,
            "manufacturer": (
                None if manufacturer is None else {"id": manufacturer.id, "name": manufacturer.name}
            ),
            "specs": product.specs or [],
            "image_urls": product.image_urls or [],
            "identifiers": [
                {
                    "scheme": i.scheme,
                    "value": i.value,
                    "level": i.level,
                    "pkg_quantity": i.pkg_quantity,
                }
                for i in product.identifiers
            ],
            "offers": offers,
            "offers_count": len(offers),
            "ranking_config": config_name,
        }
    )


@router.get("/products/{product_id}", response_model=ProductPublic, responses=problems(404, 422))
def get_product(
    product_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    service: SearchDep,
    settings: SettingsDep,
    lang: LangDep,
    sq: Annotated[
        str | None,
        Query(
            max_length=300,
            description="The search whose result list this product was opened from (counted "
            "as a result click for that query text in the merchandisers' no-click report).",
        ),
    ] = None,
) -> ProductPublic:
    """A product page: manufacturer data, specs, identifiers, and every active offer ranked
    with its per-factor explanation (texts in the ``Accept-Language``, sv or en). A retailer
    takes one place: its best offer, with its others in ``more_from_retailer``.
    Example: ``GET /api/v1/products/42`` (``?sq=nitrilhandske`` from a search result)"""
    product = products_by_id(session, [product_id]).get(product_id)
    if product is None:
        raise NotFound(f"no product with id {product_id}")
    public = product_public(session, service, product, settings.ranking_config, lang)
    record_view(request, background, product_id, ((o.retailer, o.rank) for o in public.offers))
    record_click(request, background, sq)
    return public


IDS_FORMAT = "ids=1,2,3 or ids=1&ids=2&ids=3"
MAX_IDS_LENGTH = 200
MAX_COMPARE = 4


def parse_ids(raw: str | Sequence[str]) -> list[int]:
    """2-4 distinct product ids, given comma-separated, repeated (``ids=1&ids=2``) or both."""
    values = [raw] if isinstance(raw, str) else list(raw)
    if sum(len(v) for v in values) > MAX_IDS_LENGTH:
        raise InvalidInput(
            f"ids is too long; give 2 to 4 product ids as {IDS_FORMAT}",
            errors=[{"loc": ["query", "ids"], "msg": "too long"}],
        )
    parts = [p.strip() for v in values for p in v.split(",") if p.strip()]
    try:
        ids = [int(p) for p in parts]
    except ValueError:
        ids = []
    if not ids or any(i < 1 or i > MAX_ID for i in ids):
        raise InvalidInput(
            f"ids must be product ids, given as {IDS_FORMAT}",
            errors=[{"loc": ["query", "ids"], "msg": "not a list of product ids"}],
        )
    ids = list(dict.fromkeys(ids))
    if not 2 <= len(ids) <= MAX_COMPARE:
        raise InvalidInput(
            f"compare takes 2 to 4 distinct product ids ({IDS_FORMAT}), got {len(ids)}",
            errors=[{"loc": ["query", "ids"], "msg": "2 to 4 distinct ids"}],
        )
    return ids


@router.get("/compare", response_model=ListResponse[ProductPublic], responses=problems(404, 422))
def compare(
    session: SessionDep,
    service: SearchDep,
    settings: SettingsDep,
    lang: LangDep,
    ids: Annotated[
        list[str],
        Query(description="2-4 product ids: comma-separated (ids=1,2) or repeated (ids=1&ids=2)"),
    ] = [],  # noqa: B006 - FastAPI copies defaults
) -> ListResponse[ProductPublic]:
    """Compare 2-4 products side by side.

    Example: ``GET /api/v1/compare?ids=1,2,3`` or ``GET /api/v1/compare?ids=1&ids=2&ids=3``
    """
    wanted = parse_ids(ids)
    found = products_by_id(session, wanted)
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(f"no product with id {', '.join(map(str, missing))}")
    data = [
        product_public(session, service, found[i], settings.ranking_config, lang) for i in wanted
    ]
    # not paged: 2-4 products, all asked for by id
    return ListResponse(data=data, count=len(data), limit=MAX_COMPARE, offset=0)

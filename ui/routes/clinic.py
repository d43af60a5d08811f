"""Clinic pages: search with suggestions and facets, product, compare, retailer presentation."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from math import ceil
from typing import Annotated, Any

from fastapi import BackgroundTasks, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from api.demand import record_click, record_search, record_view
from api.deps import CurrentUser, SearchDep, SessionDep, SettingsDep
from api.security_headers import frame_policy
from catalog.models import Offer, RetailerSignals
from catalog.reads import (
    active_offer_count,
    listed_retailer_by_slug,
    offers_with_retailers,
    products_by_id,
    retailer_names_by_slug,
    signals_by_slug,
)
from marketplace.video_links import video_link
from ranking.scoring import RankedOffer
from search.errors import InvalidSearchRequest
from search.protocol import SortOrder
from search.service import SearchRequest, SearchResponse, SearchService
from ui.error_pages import page_router
from ui.explain_view import bars
from ui.i18n import pick_lang, translate
from ui.rendering import error_page, render
from ui.routes.portal_profile import logo_url
from ui.routes.reviews import review_section
from ui.routes.watches import price_section

router = page_router()

PAGE_SIZE = 20
MAX_COMPARE = 4
SORTS: tuple[SortOrder, ...] = ("relevance", "price_asc", "price_desc", "delivery")
FACETS = ("brand", "manufacturer", "category", "retailer")


def _int(value: str | None, low: int = 0) -> int | None:
    try:
        number = int(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is None or number >= low else None


PRICE_PATTERN = r"[0-9\s]*[.,]?[0-9]*"
"""The price fields' HTML ``pattern``: digits, spaces and one decimal comma or point."""


def _decimal(value: str | None) -> Decimal | None:
    """An amount typed the Swedish (``100,50``, ``1 000``) or English way; ``None`` if not."""
    if not value:
        return None
    text = "".join(value.split())  # spaces and no-break spaces between thousands
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


def _amount_text(value: Decimal | None, typed: str | None, lang: str) -> str:
    """What a price field shows again: the parsed amount in the reader's style, else as typed."""
    if value is None:
        return (typed or "").strip()
    text = format(value, "f")
    return text.replace(".", ",") if lang == "sv" else text


@router.get("/", response_class=HTMLResponse, name="ui_search")
def search_page(
    request: Request,
    background: BackgroundTasks,
    search: SearchDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    q: str = "",
    brand: str | None = None,
    manufacturer: str | None = None,
    category: str | None = None,
    retailer: str | None = None,
    in_stock: str | None = None,
    max_delivery_days: str | None = None,
    min_price: str | None = None,
    max_price: str | None = None,
    sort: str = "relevance",
    page: str | None = None,
) -> HTMLResponse:
    filters = {
        "brand": brand,
        "manufacturer": manufacturer,
        "category": category,
        "retailer": retailer,
    }
    active = {k: v for k, v in filters.items() if v}
    query = q.strip()
    wants_stock = in_stock == "1"
    days = _int(max_delivery_days)
    low, high = _decimal(min_price), _decimal(max_price)
    lang = pick_lang(request)
    problems = [
        translate(lang, "search.bad_price", field=translate(lang, f"search.{name}"), value=typed)
        for name, typed, parsed in (("min_price", min_price, low), ("max_price", max_price, high))
        if typed and typed.strip() and parsed is None
    ]
    if low is not None and high is not None and low > high:
        problems.append(translate(lang, "search.min_above_max"))
    order: SortOrder = next((known for known in SORTS if known == sort), "relevance")
    page_no = _int(page, 1) or 1
    params: dict[str, Any] = {
        "q": query,
        "in_stock": wants_stock,
        "max_delivery_days": days,
        "min_price": low,
        "max_price": high,
        "sort": order,
        "page": page_no,
    }
    searching = bool(
        query or active or wants_stock or days is not None or low is not None or high is not None
    )
    result: SearchResponse | None = None
    error: str | None = " ".join(problems) or None
    if searching and not (low is not None and high is not None and low > high):
        try:
            result = search.search(
                SearchRequest(
                    q=query,
                    **active,
                    in_stock=True if wants_stock else None,
                    max_delivery_days=days,
                    min_price=low,
                    max_price=high,
                    sort=order,
                    page=page_no,
                    size=PAGE_SIZE,
                    config_name=settings.ranking_config,
                )
            )
        except InvalidSearchRequest as exc:  # the search's own words are English
            error = str(exc) if lang == "en" else translate(lang, "search.refused")
        else:
            record_search(request, background, query, result, first_page=page_no == 1)
    quality: dict[str, RetailerSignals] = {}
    names: dict[str, str] = {}
    pages = 0
    if result is not None:
        slugs = {h.best_offer["retailer"] for h in result.hits if h.best_offer}
        quality = signals_by_slug(session, slugs)
        pages = min(ceil(result.total / PAGE_SIZE), 10_000 // PAGE_SIZE)
        facet_slugs = {f["value"] for f in result.facets.get("retailer", [])}
        names = retailer_names_by_slug(session, facet_slugs | slugs)
    return render(
        request,
        "search.html",
        {
            "q": query,
            "params": params,
            "active": active,
            "result": result,
            "error": error,
            "quality": quality,
            "pages": pages,
            "facet_names": FACETS,
            "sorts": SORTS,
            "retailer_names": names,
            "price_sorted": order in ("price_asc", "price_desc"),
            "delivery_sorted": order == "delivery",
            "price_pattern": PRICE_PATTERN,
            "price_text": {
                "min_price": _amount_text(low, min_price, lang),
                "max_price": _amount_text(high, max_price, lang),
            },
        },
        user=user,
    )


@router.get("/ui/suggest", response_class=HTMLResponse, name="ui_suggest")
def suggest(request: Request, search: SearchDep, user: CurrentUser, q: str = "") -> HTMLResponse:
    words = search.suggest(q.strip(), 8) if len(q.strip()) >= 2 else []
    return render(request, "partials/suggest.html", {"suggestions": words, "q": q}, user=user)


RETAILER_TERMS = ("warranty", "service", "training")
"""What a retailer adds to its offer (feed columns Garanti, Service, Utbildning; stored as the
offer's retailer metadata): shown on the offer as the retailer's, never the manufacturer's."""


def retailer_terms(metadata: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The retailer's warranty, service and training of an offer, in that order, as
    (field, text); empty values are left out."""
    found = metadata or {}
    return [(name, str(found[name])) for name in RETAILER_TERMS if str(found.get(name) or "")]


def _offer_row(r: RankedOffer, rank: int, stored: Offer | None, lang: str) -> dict[str, Any]:
    """One offer as the product page shows it, at its retailer's place ``rank``."""
    return {
        "offer_id": r.offer.offer_id,
        "buyable": stored is not None and stored.price is not None,
        "rank": rank,
        "score": r.score,
        "retailer_slug": r.offer.retailer.slug,
        "retailer_name": r.offer.retailer.name,
        # as the retailer states it: a price converted for comparison is shown in its currency
        "price": stored.price if stored else r.offer.price,
        "currency": stored.currency if stored else "SEK",
        "vat_included": r.offer.vat_included,
        "stock_status": r.offer.stock_status,
        "delivery_days": r.offer.delivery_days,
        "url": stored.url if stored else None,
        "sku": stored.sku if stored else "",
        "name": stored.raw_name if stored else "",
        "extras": (stored.retailer_metadata or {}) if stored else {},
        "terms": retailer_terms(stored.retailer_metadata if stored else None),
        "bars": bars(r.explanation, lang),
        "total": r.explanation.total,
    }


def _offer_rows(
    session: Session, search: SearchService, product_id: int, config_name: str, lang: str
) -> list[dict[str, Any]]:
    """The product's comparison: one row per retailer (its best offer), the retailer's
    other offers under ``more``, in ranked order."""
    places = search.product_retailers(product_id, config_name)
    offers = offers_with_retailers(
        session, [r.offer.offer_id for place in places for r in place.offers]
    )
    rows = []
    for place in places:
        best, *more = [
            _offer_row(
                r,
                place.rank,
                offers[r.offer.offer_id][0] if r.offer.offer_id in offers else None,
                lang,
            )
            for r in place.offers
        ]
        rows.append({**best, "more": more})
    return rows


@router.get("/produkt/{product_id}", response_class=HTMLResponse, name="ui_product")
def product_page(
    request: Request,
    background: BackgroundTasks,
    product_id: int,
    search: SearchDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    sq: Annotated[str | None, Query(max_length=300)] = None,
    dagar: int = 90,
) -> HTMLResponse:
    """A product page; ``sq`` is the search whose result list linked here (a result click,
    counted for the merchandisers' no-click report, per query text only); ``dagar`` the price
    history's period (30, 90 or 365 days)."""
    product = products_by_id(session, [product_id]).get(product_id)
    if product is None:
        return error_page(request, "product.not_found", user=user, status_code=404)
    lang = pick_lang(request)
    rows = _offer_rows(session, search, product_id, settings.ranking_config, lang)
    record_view(request, background, product_id, ((o["retailer_slug"], o["rank"]) for o in rows))
    record_click(request, background, sq)
    context = {"product": product, "offers": rows}
    context.update(price_section(session, user, product_id, dagar, lang))
    context.update(review_section(request, session, user, "product", product_id))
    return render(request, "product.html", context, user=user)


def _compare_ids(ids: list[str]) -> list[int]:
    out: list[int] = []
    for raw in ids:
        for part in raw.split(","):
            number = _int(part.strip(), 1)
            if number is not None and number not in out:
                out.append(number)
    return out


@router.get("/jamfor", response_class=HTMLResponse, name="ui_compare")
def compare_page(
    request: Request,
    search: SearchDep,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    ids: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
) -> HTMLResponse:
    wanted = _compare_ids(ids)
    too_many = len(wanted) > MAX_COMPARE
    wanted = wanted[:MAX_COMPARE]
    found = products_by_id(session, wanted)
    products = [found[i] for i in wanted if i in found]
    lang = pick_lang(request)
    columns = []
    spec_names: list[str] = []
    term_names: list[str] = []
    for product in products:
        offers = _offer_rows(session, search, product.id, settings.ranking_config, lang)
        specs = {}
        for spec in product.specs or []:
            if isinstance(spec, dict) and spec.get("name"):
                name = str(spec["name"])
                unit = f" {spec['unit']}" if spec.get("unit") else ""
                specs[name] = f"{spec.get('value', '')}{unit}"
                if name not in spec_names:
                    spec_names.append(name)
        every = [o for row in offers for o in (row, *row["more"])]
        prices = [o["price"] for o in every if o["price"] is not None]
        best_terms = dict(offers[0]["terms"]) if offers else {}
        for name in best_terms:
            if name not in term_names:
                term_names.append(name)
        columns.append(
            {
                "product": product,
                "best": offers[0] if offers else None,
                "offers": len(offers),  # retailers: one place each
                "low": min(prices) if prices else None,
                "high": max(prices) if prices else None,
                "in_stock": sum(  # retailers with an offer in stock
                    1
                    for row in offers
                    if any(o["stock_status"] == "in_stock" for o in (row, *row["more"]))
                ),
                "specs": specs,
                "terms": best_terms,
            }
        )
    return render(
        request,
        "compare.html",
        {
            "columns": columns,
            "spec_names": spec_names[:40],
            "term_names": [name for name in RETAILER_TERMS if name in term_names],
            "too_many": too_many,
        },
        user=user,
    )


SIGNAL_ROWS = (
    ("delivery_precision", "delivery_count", "share"),
    ("stock_accuracy", "stock_count", "share"),
    ("review_overall", "review_count", "stars"),
    ("treatment", "treatment_count", "stars"),
    ("feedback", "feedback_count", "stars"),
    ("rma", "rma_count", "share"),
    ("competence", "competence_count", "stars"),
)


@router.get("/handlare/{slug}", response_class=HTMLResponse, name="ui_retailer")
def retailer_page(
    request: Request, slug: str, session: SessionDep, user: CurrentUser
) -> HTMLResponse:
    retailer = listed_retailer_by_slug(
        session,
        slug[:200],
        viewer_retailer_id=user.retailer_id if user is not None else None,
        admin=user is not None and user.role == "admin",
    )
    if retailer is None:
        return error_page(request, "retailer.not_found", user=user, status_code=404)
    signals = session.get(RetailerSignals, retailer.id)
    offers = active_offer_count(session, retailer.id)
    rows = []
    for name, count_name, kind in SIGNAL_ROWS:
        value = getattr(signals, name) if signals else None
        count = getattr(signals, count_name) if signals else 0
        rows.append({"name": name, "value": value, "count": count, "kind": kind})
    embed = video_link(retailer.video_url)
    # a link stored before videos were allow-listed is shown as a plain link, never embedded
    video = (
        retailer.video_url
        if embed is None and (retailer.video_url or "").startswith("https://")
        else None
    )
    website = (
        retailer.website if (retailer.website or "").startswith(("https://", "http://")) else None
    )
    context = {
        "retailer": retailer,
        "signals": rows,
        "offers": offers,
        "video": video,
        "embed": embed,
        "website": website,
        "logo": logo_url(retailer),
    }
    context.update(review_section(request, session, user, "retailer", retailer.id))
    response = render(request, "retailer.html", context, user=user)
    if embed is not None:  # the page's one frame: that player's origin, nothing else
        response.headers["Content-Security-Policy"] = frame_policy([embed.frame_source])
    return response

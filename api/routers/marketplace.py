"""The marketplace API: reviews, cart and checkout, orders, RMA, campaigns, retailer
statistics and GDPR. Thin: each route calls one ``marketplace`` service, commits, and (after
an order, RMA or review event) recomputes the retailer's measured signals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response
from sqlalchemy.orm import Session

from api.deps import CurrentUser, RateLimitDep, SessionDep, SettingsDep
from api.idempotency import Idempotent
from api.key_scopes import allow_keys
from api.order_documents import confirmation_csv, confirmation_pdf
from api.paging import PageDep
from api.problems import NotFound
from api.schemas.common import API_PROBLEMS, MAX_INT, ListResponse, problems
from api.schemas.marketplace import (
    AmountsPublic,
    CampaignCreate,
    CampaignPublic,
    CancelRequest,
    CartItemCreate,
    CartItemPublic,
    CartPublic,
    CartTotalsPublic,
    CheckoutRequest,
    ComparisonPublic,
    ConfirmRequest,
    CurrencyTotalPublic,
    DemandPublic,
    OrderAmountsPublic,
    OrderPublic,
    ReorderPublic,
    ReportCreate,
    ReportPublic,
    ResponseCreate,
    RetailerStatsPublic,
    RetailerTotalPublic,
    ReviewCreate,
    ReviewPublic,
    RmaCreate,
    RmaDecision,
    RmaPublic,
    RmaResolve,
)
from catalog.enums import KeyScope
from catalog.models import Offer, Retailer, User
from catalog.reads import retailer_by_slug, retailers_by_id
from loyalty import activity_export
from marketplace import campaigns, cart, gdpr, moderation, orders, reviews, rma, stats
from marketplace.access import logged_in, require_retailer_staff
from marketplace.campaigns import CampaignDraft
from marketplace.checkout_details import clean_details
from marketplace.dates import utc_now
from marketplace.enums import REVIEW_DIMENSIONS
from marketplace.models import CartItem, Order
from marketplace.order_totals import SWEDISH_VAT, grand_total
from marketplace.reviews import ReviewDraft, ShownReview
from ranking.config import RankingConfig
from ranking.errors import UnknownConfig
from ranking.messages import negotiate
from ranking.versions import published
from search.prices import rate_table

router = APIRouter(tags=["marketplace"], dependencies=[RateLimitDep], responses=API_PROBLEMS)

ObjectId = Annotated[int, Path(ge=1, le=MAX_INT)]
Slug = Annotated[str, Path(min_length=1, max_length=80)]


def _retailer(session: Session, slug: str) -> Retailer:
    retailer = retailer_by_slug(session, slug)
    if retailer is None:
        raise NotFound(f"no retailer {slug!r}")
    return retailer


# ---------------------------------------------------------------- reviews


def review_public(shown: ShownReview) -> ReviewPublic:
    """A review as the API shows it (also in the admins' moderation queue)."""
    r = shown.review
    dims = {name: getattr(r, name) for name in REVIEW_DIMENSIONS if getattr(r, name) is not None}
    return ReviewPublic(
        id=r.id,
        target_type=r.target_type,
        target_id=r.target_id,
        retailer_id=r.retailer_id,
        order_id=r.order_id,
        rating=r.rating,
        dimensions=dims,
        text=r.text,
        status=r.status,
        verified_purchase=r.verified_purchase,
        author_name=shown.author_name,
        author_clinic=shown.author_clinic,
        created_at=r.created_at,
        published_at=r.published_at,
        response_due_at=r.response_due_at,
        response=r.response,
        responded_at=r.responded_at,
    )


@router.post(
    "/reviews",
    status_code=201,
    response_model=ReviewPublic,
    responses=problems(401, 403, 404, 409, 422),
    dependencies=[Idempotent],
)
def create_review(
    body: ReviewCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> ReviewPublic:
    """Write a review (clinic users only; name and clinic are shown). Ratings of 2 or below
    are held for ``review_response_days``: for the retailer concerned's response, or (a
    product review without an order) for the admins' moderation."""
    author = reviews.require_reviewer(user)
    draft = ReviewDraft(
        body.target_type, body.target_id, body.rating, body.text, body.order_id, body.dimensions
    )
    review = reviews.submit_review(
        session, author, draft, now=utc_now(), response_days=settings.review_response_days
    )
    shown = ShownReview(review, author.name, author.clinic)
    session.commit()
    return review_public(shown)


@router.get(
    "/reviews",
    response_model=ListResponse[ReviewPublic],
    responses=problems(422),
    dependencies=[allow_keys(KeyScope.SEARCH)],
)
def list_reviews(
    request: Request,
    session: SessionDep,
    page: PageDep,
    target_type: Annotated[str, Query(pattern="^(retailer|product|service)$")],
    target_id: Annotated[int, Query(ge=1, le=MAX_INT)],
) -> ListResponse[ReviewPublic]:
    """Published reviews of a target, newest first. Example:
    ``GET /api/v1/reviews?target_type=retailer&target_id=1``"""
    found = reviews.published_reviews_page(
        session, target_type, target_id, now=utc_now(), limit=page.limit, offset=page.offset
    )
    data = [review_public(s) for s in found.items]
    session.commit()
    return page.response(data, found.count)


@router.get(
    "/retailers/{slug}/reviews/held",
    response_model=ListResponse[ReviewPublic],
    responses=problems(401, 403, 404, 422),
)
def held_reviews(
    slug: Slug, session: SessionDep, user: CurrentUser, page: PageDep
) -> ListResponse[ReviewPublic]:
    """Low reviews waiting for the retailer's response (its own staff)."""
    retailer = _retailer(session, slug)
    held = reviews.held_reviews_page(
        session, user, retailer.id, limit=page.limit, offset=page.offset
    )
    return page.response([review_public(s) for s in held.items], held.count)


@router.post(
    "/reviews/{review_id}/response",
    response_model=ReviewPublic,
    responses=problems(401, 403, 404, 422),
)
def respond_to_review(
    review_id: ObjectId,
    body: ResponseCreate,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
) -> ReviewPublic:
    """The retailer's public response; a held review is published with it."""
    review = reviews.respond(session, user, review_id, body.text, now=utc_now())
    author = session.get(User, review.author_id) if review.author_id else None
    shown = ShownReview(
        review,
        author.name if author else reviews.FORMER_USER,
        author.clinic if author else None,
    )
    session.commit()
    return review_public(shown)


@router.post(
    "/reviews/{review_id}/reports",
    status_code=201,
    response_model=ReportPublic,
    responses=problems(401, 403, 404, 409, 422),
    dependencies=[Idempotent],
)
def report_review(
    review_id: ObjectId, body: ReportCreate, session: SessionDep, user: CurrentUser
) -> ReportPublic:
    """Report a review as abusive, once per review, never your own (admins decide)."""
    report = moderation.report_review(session, user, review_id, body.reason, now=utc_now())
    session.commit()
    return ReportPublic.model_validate(report)


# ---------------------------------------------------------------- cart and checkout


def _cart_public(session: Session, user: User | None) -> CartPublic:
    current = cart.get_cart(session, user, create=False)
    pairs = cart.cart_offers(session, current) if current.id is not None else []
    suspended = cart.suspended_sellers(session, pairs)
    sellers = retailers_by_id(session, {offer.retailer_id for _item, offer in pairs})
    slugs = {rid: r.slug for rid, r in sellers.items()}
    items = [
        CartItemPublic(
            id=item.id,
            offer_id=offer.id,
            retailer=slugs.get(offer.retailer_id, ""),
            name=offer.raw_name,
            quantity=item.quantity,
            price_at_add=item.price_at_add,
            price_now=offer.price,
            stock_status_at_add=item.stock_status_at_add,
            stock_status_now=offer.stock_status,
            available=cart.unavailable_reason(offer, suspended) is None,
            unavailable_reason=cart.unavailable_reason(offer, suspended),
            changed=(item.price_at_add, item.stock_status_at_add)
            != (offer.price, offer.stock_status)
            or offer.retailer_id in suspended,
        )
        for item, offer in pairs
    ]
    changes = [c.describe() for c in cart.item_changes(pairs, suspended)]
    retailers = len({offer.retailer_id for _item, offer in pairs})
    return CartPublic(
        items=items,
        retailers=retailers,
        changes=changes,
        digest=cart.cart_digest(pairs, suspended),
        totals=_cart_totals(session, pairs, slugs),
    )


def _cart_totals(
    session: Session, pairs: list[tuple[CartItem, Offer]], slugs: dict[int, str]
) -> CartTotalsPublic:
    by_retailer = orders.cart_totals(session, pairs)
    rate = SWEDISH_VAT
    grand = grand_total([(amounts, rate) for amounts in by_retailer.values()])
    return CartTotalsPublic(
        retailers=[
            RetailerTotalPublic(
                retailer=slugs.get(retailer_id, ""),
                retailer_id=retailer_id,
                currency=amounts.currency,
                **OrderAmountsPublic.of(amounts, rate).model_dump(),
            )
            for retailer_id, amounts in sorted(by_retailer.items())
        ],
        grand_total=[
            CurrencyTotalPublic(currency=currency, **AmountsPublic.of(total).model_dump())
            for currency, total in sorted(grand.by_currency.items())
        ],
        delivery_not_stated=grand.delivery_not_stated,
    )


@router.get("/cart", response_model=CartPublic, responses=problems(401, 403))
def get_cart(session: SessionDep, user: CurrentUser) -> CartPublic:
    """Your cart: items from any number of retailers, with what changed since added (clinic
    users only)."""
    return _cart_public(session, user)


@router.post(
    "/cart/items",
    status_code=201,
    response_model=CartPublic,
    responses=problems(401, 403, 404, 409, 422),
    dependencies=[Idempotent],
)
def add_cart_item(body: CartItemCreate, session: SessionDep, user: CurrentUser) -> CartPublic:
    """Add an offer to the cart (adding it again adds to the quantity)."""
    cart.add_item(session, user, body.offer_id, body.quantity, now=utc_now())
    session.commit()
    return _cart_public(session, user)


@router.delete(
    "/cart/items/{item_id}",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403, 404),
)
def remove_cart_item(item_id: ObjectId, session: SessionDep, user: CurrentUser) -> Response:
    cart.remove_item(session, user, item_id, now=utc_now())
    session.commit()
    return Response(status_code=204)


@router.post(
    "/checkout",
    status_code=201,
    response_model=ListResponse[OrderPublic],
    responses=problems(401, 403, 409, 422),
    dependencies=[Idempotent],
)
def checkout(
    body: CheckoutRequest, session: SessionDep, user: CurrentUser
) -> ListResponse[OrderPublic]:
    """Split the cart into one order per retailer, priced now. 409 ``price-changed`` lists
    what changed since the items were added: check out again with ``accept_changes``.

    Concurrent checkouts of one cart place it once (the cart row is locked): the others
    find it empty, 422 ``empty-cart``, as does any checkout of an empty cart. A retry is
    recognised by its ``Idempotency-Key`` only: it gets the first response again (409
    ``idempotency-in-progress`` while the first still runs). With ``cart_digest`` (from
    ``GET /cart``), a cart changed since is 409 ``cart-changed``, not placed."""
    placed = orders.checkout(
        session,
        user,
        accept_changes=body.accept_changes,
        now=utc_now(),
        repeat_window=timedelta(0),  # a repeat is its Idempotency-Key's, never a guess
        expected_cart=body.cart_digest,
        details=clean_details(
            po_number=body.po_number,
            delivery_address=body.delivery_address,
            invoice_address=body.invoice_address,
            notes=body.notes,
        ),
    )
    session.commit()
    data = [OrderPublic.model_validate(o) for o in placed]
    # the orders just placed (one per retailer of the cart): one page, whole
    return ListResponse(data=data, count=len(data), limit=len(data), offset=0)


# ---------------------------------------------------------------- orders


@router.get("/orders", response_model=ListResponse[OrderPublic], responses=problems(401, 422))
def list_orders(session: SessionDep, user: CurrentUser, page: PageDep) -> ListResponse[OrderPublic]:
    """The orders the caller sees, newest first, one page: a retailer's incoming orders, all
    of the clinic organisation's orders for its managers, a buyer's own orders.
    Example: ``GET /api/v1/orders?limit=50&offset=50``"""
    found = orders.orders_page(session, user, limit=page.limit, offset=page.offset)
    return page.response([OrderPublic.model_validate(o) for o in found.items], found.count)


@router.get("/orders/{order_id}", response_model=OrderPublic, responses=problems(401, 404))
def get_order(order_id: ObjectId, session: SessionDep, user: CurrentUser) -> OrderPublic:
    return OrderPublic.model_validate(orders.get_order(session, user, order_id))


DocumentLang = Annotated[
    str | None,
    Query(
        alias="lang",
        pattern="^(sv|en)$",
        description="The document's language, over `Accept-Language` (`sv` by default here).",
    ),
]


def _document_lang(asked: str | None, accept_language: str | None) -> str:
    """``?lang=`` first, then a browser that asks for English, else Swedish (the document
    goes to a Swedish clinic's or retailer's books)."""
    if asked is not None:
        return asked
    return "en" if negotiate(accept_language, "sv") == "en" else "sv"


_DOCUMENTS: dict[str, tuple[str, Callable[[Order, str, str], str | bytes]]] = {
    "csv": ("text/csv; charset=utf-8", confirmation_csv),
    "pdf": ("application/pdf", confirmation_pdf),
}


def _document(
    kind: str, order: Order, session: Session, asked: str | None, accept_language: str | None
) -> Response:
    lang = _document_lang(asked, accept_language)
    media_type, write = _DOCUMENTS[kind]
    return Response(
        write(order, _retailer_name(session, order), lang),
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="order-{order.id}.{kind}"',
            "Content-Language": lang,
        },
    )


@router.get(
    "/orders/{order_id}/confirmation.csv",
    response_class=Response,
    responses={**problems(401, 404), 200: {"content": {"text/csv": {}}}},
)
def order_confirmation_csv(
    order_id: ObjectId,
    session: SessionDep,
    user: CurrentUser,
    asked: DocumentLang = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    """The order's confirmation as CSV: one row per line (price, VAT basis, amounts excl. and
    incl. VAT), then the delivery and the total. Swedish is ``;``-separated with a BOM.
    Whoever may see the order may download it.
    Example: ``GET /api/v1/orders/17/confirmation.csv?lang=sv``"""
    order = orders.get_order(session, user, order_id)
    return _document("csv", order, session, asked, accept_language)


@router.get(
    "/orders/{order_id}/confirmation.pdf",
    response_class=Response,
    responses={**problems(401, 404), 200: {"content": {"application/pdf": {}}}},
)
def order_confirmation_pdf(
    order_id: ObjectId,
    session: SessionDep,
    user: CurrentUser,
    asked: DocumentLang = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    """The order's confirmation as PDF (addresses, PO number, note, lines, delivery, totals
    excl. and incl. VAT). Example: ``GET /api/v1/orders/17/confirmation.pdf``"""
    order = orders.get_order(session, user, order_id)
    return _document("pdf", order, session, asked, accept_language)


def _retailer_name(session: Session, order: Order) -> str:
    retailer = session.get(Retailer, order.retailer_id)
    return retailer.name if retailer is not None else ""


def _order_done(request: Request, session: Session, order: Order) -> OrderPublic:
    session.commit()
    return OrderPublic.model_validate(order)


_TRANSITION_ERRORS = problems(401, 403, 404, 409, 422)


@router.post("/orders/{order_id}/confirm", response_model=OrderPublic, responses=_TRANSITION_ERRORS)
def confirm_order(
    order_id: ObjectId,
    body: ConfirmRequest,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
) -> OrderPublic:
    """The retailer confirms with a promised delivery date (and any back-ordered lines)."""
    order = orders.confirm(
        session,
        user,
        order_id,
        body.promised_delivery_date,
        backordered_line_ids=body.backordered_line_ids,
        now=utc_now(),
    )
    return _order_done(request, session, order)


@router.post("/orders/{order_id}/ship", response_model=OrderPublic, responses=_TRANSITION_ERRORS)
def ship_order(
    order_id: ObjectId, request: Request, session: SessionDep, user: CurrentUser
) -> OrderPublic:
    return _order_done(request, session, orders.ship(session, user, order_id, now=utc_now()))


@router.post("/orders/{order_id}/deliver", response_model=OrderPublic, responses=_TRANSITION_ERRORS)
def deliver_order(
    order_id: ObjectId, request: Request, session: SessionDep, user: CurrentUser
) -> OrderPublic:
    """The clinic confirms delivery (punctuality is judged against the promised date)."""
    return _order_done(request, session, orders.deliver(session, user, order_id, now=utc_now()))


@router.post("/orders/{order_id}/cancel", response_model=OrderPublic, responses=_TRANSITION_ERRORS)
def cancel_order(
    order_id: ObjectId,
    body: CancelRequest,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
) -> OrderPublic:
    order = orders.cancel(session, user, order_id, body.reason, note=body.note, now=utc_now())
    return _order_done(request, session, order)


@router.post(
    "/orders/{order_id}/reorder",
    response_model=ReorderPublic,
    responses=problems(401, 403, 404, 409, 422),
    dependencies=[Idempotent],
)
def reorder(order_id: ObjectId, session: SessionDep, user: CurrentUser) -> ReorderPublic:
    """Put a past order back in the cart at today's prices."""
    added, skipped = orders.reorder(session, user, order_id, now=utc_now())
    session.commit()
    return ReorderPublic(added=len(added), skipped_lines=[line.id for line in skipped])


# ---------------------------------------------------------------- RMA


@router.post(
    "/orders/{order_id}/lines/{line_id}/rma",
    status_code=201,
    response_model=RmaPublic,
    responses=_TRANSITION_ERRORS,
    dependencies=[Idempotent],
)
def request_rma(
    order_id: ObjectId,
    line_id: ObjectId,
    body: RmaCreate,
    session: SessionDep,
    user: CurrentUser,
) -> RmaPublic:
    """Complain about or return a line of a delivered order."""
    order = orders.get_order(session, user, order_id)
    if line_id not in {line.id for line in order.lines}:
        raise NotFound(f"no line {line_id} in order {order_id}")
    case = rma.request_rma(session, user, line_id, body.reason, now=utc_now())
    session.commit()
    return RmaPublic.model_validate(case)


@router.get("/rma", response_model=ListResponse[RmaPublic], responses=problems(401, 422))
def list_rma(session: SessionDep, user: CurrentUser, page: PageDep) -> ListResponse[RmaPublic]:
    """The caller's returns (a clinic's own, a retailer's incoming), one page."""
    found = rma.rmas_page(session, user, limit=page.limit, offset=page.offset)
    return page.response([RmaPublic.model_validate(r) for r in found.items], found.count)


@router.post("/rma/{rma_id}/decision", response_model=RmaPublic, responses=_TRANSITION_ERRORS)
def decide_rma(
    rma_id: ObjectId,
    body: RmaDecision,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
) -> RmaPublic:
    case = rma.decide(session, user, rma_id, accept=body.accept, note=body.note, now=utc_now())
    session.commit()
    return RmaPublic.model_validate(case)


@router.post("/rma/{rma_id}/resolve", response_model=RmaPublic, responses=_TRANSITION_ERRORS)
def resolve_rma(
    rma_id: ObjectId,
    body: RmaResolve,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
) -> RmaPublic:
    case = rma.resolve(session, user, rma_id, body.outcome, note=body.note, now=utc_now())
    session.commit()
    return RmaPublic.model_validate(case)


# ---------------------------------------------------------------- campaigns


@router.get(
    "/campaigns",
    response_model=ListResponse[CampaignPublic],
    responses=problems(404, 422),
    dependencies=[allow_keys(KeyScope.SEARCH)],
)
def list_campaigns(
    session: SessionDep,
    page: PageDep,
    retailer: Annotated[str | None, Query(max_length=80)] = None,
) -> ListResponse[CampaignPublic]:
    """The campaigns section: current campaigns (never shown in search)."""
    retailer_id = None if retailer is None else _retailer(session, retailer).id
    found = campaigns.active_campaigns_page(
        session, utc_now(), retailer_id=retailer_id, limit=page.limit, offset=page.offset
    )
    data = [CampaignPublic.model_validate(c) for c in found.items]
    return page.response(data, found.count)


@router.post(
    "/retailers/{slug}/campaigns",
    status_code=201,
    response_model=CampaignPublic,
    responses=problems(401, 403, 404, 409, 422),
    dependencies=[Idempotent],
)
def create_campaign(
    slug: Slug, body: CampaignCreate, session: SessionDep, user: CurrentUser
) -> CampaignPublic:
    retailer = _retailer(session, slug)
    draft = CampaignDraft(body.title, body.text, body.product_ids, body.valid_from, body.valid_to)
    campaign = campaigns.create_campaign(session, user, retailer.id, draft)
    session.commit()
    return CampaignPublic.model_validate(campaign)


# ---------------------------------------------------------------- retailer statistics


def _config(session: Session, name: str) -> RankingConfig:
    try:
        return published(session, name)
    except UnknownConfig:
        return RankingConfig(name=name)


@router.get(
    "/retailers/{slug}/stats",
    response_model=RetailerStatsPublic,
    responses=problems(401, 403, 404),
)
def retailer_stats(
    slug: Slug,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> RetailerStatsPublic:
    """Most demanded products and product groups, and the retailer's comparisons with its
    rank and the factor that cost it the top place (its own staff only)."""
    retailer = _retailer(session, slug)
    require_retailer_staff(user, retailer.id)
    until = utc_now()
    since = until - timedelta(days=days)

    def demand(items: list[stats.Demand]) -> list[DemandPublic]:
        return [DemandPublic(key=d.key, name=d.name, counts=d.counts, score=d.score) for d in items]

    config = _config(session, settings.ranking_config)
    found = stats.comparisons(
        session, retailer.id, config, since, until, rates=rate_table(settings)
    )
    return RetailerStatsPublic(
        since=since,
        until=until,
        products=demand(stats.demanded_products(session, since, until)),
        groups=demand(stats.demanded_groups(session, since, until)),
        comparisons=[ComparisonPublic.model_validate(c) for c in found],
    )


# ---------------------------------------------------------------- GDPR


@router.get("/me/data", responses=problems(401))
def export_my_data(session: SessionDep, user: CurrentUser) -> dict[str, object]:
    """Everything Valbar stores about you, as JSON (GDPR art. 15 and 20)."""
    me = logged_in(user)
    data = gdpr.export_user_data(session, me.id)
    data["loyalty_activities"] = activity_export.activity_of(session, me.id)
    return data


@router.delete("/me", status_code=204, response_class=Response, responses=problems(401, 422))
def delete_my_account(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """Delete your account: reviews stay anonymised, orders stay with the retailer with the
    clinic's name only. The last representative / manager of an organisation is refused
    (422, ``last_manager_account``): give the role to another member first."""
    user_id = logged_in(user).id
    gdpr.delete_account(session, user_id)
    session.commit()
    request.app.state.api_keys.forget_user(user_id)  # its API keys stop working at once
    return Response(status_code=204)

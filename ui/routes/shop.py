"""Clinic pages: one cart for every retailer, checkout that shows what changed, and orders
(status timeline, confirm delivery, cancel, request a return, reorder)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep, SettingsDep
from api.idempotency import (
    Claim,
    Replay,
    RequestInProgress,
    claim_key,
    finish,
    mark_committed_with,
    release,
)
from catalog.models import Offer, Retailer, User
from catalog.reads import offers_by_id, retailers_by_id
from marketplace import cart, orders, reviews, rma
from marketplace.dates import utc_now
from marketplace.enums import OrderStatus
from marketplace.errors import (
    AlreadyCheckedOut,
    CartChanged,
    InvalidInput,
    NotFound,
    PriceChanged,
)
from marketplace.models import Order
from marketplace.order_totals import SWEDISH_VAT, LinePrice, line_amounts
from ui.checkout_view import DetailsForm, totals_context
from ui.error_pages import error_detail, page_router
from ui.i18n import pick_lang
from ui.market_views import (
    notice,
    overdue,
    role_gate,
    see_other,
    timeline,
)
from ui.rendering import render
from ui.routes.account import safe_next

router = page_router()
CSRF = [Depends(verify_csrf)]


def _incl_vat(price: Decimal, quantity: int, offer: Offer) -> Decimal:
    """A cart line's amount incl. VAT, as the checkout and the order count it: a price stated
    excl. VAT gets its VAT, never summed raw with VAT-included ones."""
    return line_amounts(LinePrice(price, quantity, offer.vat_included), SWEDISH_VAT).incl_vat


def _cart_groups(session: SessionDep, user: User) -> tuple[list[dict[str, Any]], int]:
    """The cart's items grouped per retailer (cart order), with the changes since added."""
    current = cart.get_cart(session, user, create=False)
    pairs = cart.cart_offers(session, current) if current.id is not None else []
    suspended = cart.suspended_sellers(session, pairs)
    retailers = retailers_by_id(session, {offer.retailer_id for _item, offer in pairs})
    groups: dict[int, dict[str, Any]] = {}
    count = 0
    for item, offer in pairs:
        seller = retailers.get(offer.retailer_id)
        group = groups.setdefault(
            offer.retailer_id,
            {
                "retailer_id": offer.retailer_id,
                "retailer": seller.name if seller else "",
                "slug": seller.slug if seller else "",
                "items": [],
                "total": Decimal("0"),
                "currency": offer.currency,
            },
        )
        price = offer.price
        group["items"].append(
            {
                "id": item.id,
                "offer": offer,
                "quantity": item.quantity,
                "price": price,
                "line_total": None if price is None else _incl_vat(price, item.quantity, offer),
                "changed": (item.price_at_add, item.stock_status_at_add)
                != (offer.price, offer.stock_status),
                "available": cart.unavailable_reason(offer, suspended) is None,
                "suspended": offer.retailer_id in suspended,
            }
        )
        if price is not None:
            group["total"] += _incl_vat(price, item.quantity, offer)
        count += item.quantity
    return list(groups.values()), count


@router.get("/varukorg", response_class=HTMLResponse, name="ui_cart")
def cart_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := role_gate(request, user, "clinic")) is not None:
        return refused
    assert user is not None
    groups, count = _cart_groups(session, user)
    return render(
        request,
        "cart.html",
        {"groups": groups, "count": count, "notice": notice(request)},
        user=user,
    )


@router.post("/varukorg", dependencies=CSRF)
def add_to_cart(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    offer_id: int = Form(...),
    quantity: int = Form(1),
    next: str = Form(""),
    form_token: str = Form(""),
) -> Response:
    """Add to the cart. The form's one-time token makes a double click add it once: the
    repeat waits for the first and gets its answer."""
    if (refused := role_gate(request, user, "clinic")) is not None:
        return refused
    assert user is not None
    target = safe_next(next) or "/varukorg"
    claimed = _claim_add(request, user, form_token)
    if isinstance(claimed, Replay):
        return see_other(claimed.body, "added")
    factory = request.app.state.session_factory
    try:
        cart.add_item(session, user, offer_id, quantity, now=utc_now())
        if claimed is not None:
            mark_committed_with(session, claimed)  # the item and the token, in one commit
        session.commit()
    except BaseException:
        session.rollback()
        if claimed is not None:
            release(factory, claimed)  # a domain error is shown by ui.error_pages
        raise
    if claimed is not None:
        finish(factory, claimed, 303, "text/plain", target)
    return see_other(target, "added")


ADD_WAIT_SECONDS = 10.0


def _claim_token(
    request: Request, user: User, token: str, *, path: str, digest: str
) -> Claim | Replay | None:
    """Claim a form's one-time token for ``path``: a :class:`Claim`, the :class:`Replay` of
    what its first submit did, or None (no token). :class:`RequestInProgress` while the
    first submit still runs."""
    token = token.strip()[:100]
    if not token:
        return None
    return claim_key(
        request.app.state.session_factory,
        owner=f"user:{user.id}",
        key=f"{path.strip('/')}:{token}",
        method="POST",
        path=path,
        digest=digest,
        stale_after=timedelta(seconds=request.app.state.settings.idempotency_stale_seconds),
    )


def _claim_add(request: Request, user: User, token: str) -> Claim | Replay | None:
    """Claim an add-to-cart form's token: a :class:`Claim`, the :class:`Replay` of the add
    it already made (a double click, waited for while the first runs), or None (no token)."""
    deadline = time.monotonic() + ADD_WAIT_SECONDS
    while True:
        try:
            return _claim_token(request, user, token, path="/varukorg", digest="add-to-cart")
        except Replay as done:
            return done
        except RequestInProgress:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@router.post("/varukorg/{item_id}/antal", dependencies=CSRF)
def set_quantity(
    request: Request,
    item_id: int,
    session: SessionDep,
    user: CurrentUser,
    quantity: int = Form(...),
) -> Response:
    if (refused := role_gate(request, user, "clinic")) is not None:
        return refused
    cart.set_quantity(session, user, item_id, quantity, now=utc_now())
    session.commit()
    return see_other("/varukorg", "updated")


@router.post("/varukorg/{item_id}/ta-bort", dependencies=CSRF)
def remove_from_cart(
    request: Request, item_id: int, session: SessionDep, user: CurrentUser
) -> Response:
    if (refused := role_gate(request, user, "clinic")) is not None:
        return refused
    try:
        cart.remove_item(session, user, item_id, now=utc_now())
    except NotFound:
        # not in the cart (any more): a double click's second submit, or an old page
        session.rollback()
        return see_other("/varukorg", "removed")
    session.commit()
    return see_other("/varukorg", "removed")


def _checkout_page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    status_code: int = 200,
    form: DetailsForm | None = None,
    **extra: Any,
) -> Response:
    groups, count = _cart_groups(session, user)
    changes = cart.pending_changes(session, user)
    current = cart.get_cart(session, user, create=False)
    shown = cart.cart_offers(session, current) if current.id is not None else []
    context = {
        **totals_context(session, user, shown),
        "form": form or DetailsForm(),
        "details_error": None,
        "groups": groups,
        "count": count,
        "changes": changes,
        "must_accept": False,
        "cart_changed": False,
        "checkout_token": secrets.token_urlsafe(16),  # this form places at most one order set
        # ... and only the cart shown here
        "cart_digest": cart.cart_digest(shown, cart.suspended_sellers(session, shown)),
    }
    context.update(extra)
    return render(request, "checkout.html", context, user=user, status_code=status_code)


@router.get("/kassa", response_class=HTMLResponse, name="ui_checkout")
def checkout_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := role_gate(request, user, "clinic")) is not None:
        return refused
    assert user is not None
    return _checkout_page(request, session, user)


def _claim_form(request: Request, user: User, token: str) -> Claim | Replay | None:
    """Claim the checkout form's one-time token: a :class:`Claim`, the :class:`Replay` of
    the checkout it already placed, or None (no token, or its first submit still runs)."""
    try:
        return _claim_token(request, user, token, path="/kassa", digest="checkout-form")
    except Replay as done:
        return done
    except RequestInProgress:
        return None  # the first submit holds the cart lock: this one waits and finds it done


def _placed_page(ref: str, notice_key: str) -> Response:
    return see_other(f"/ordrar?checkout={ref}", notice_key)


@router.post("/kassa", dependencies=CSRF)
def checkout(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    accept_changes: str = Form(""),
    checkout_token: str = Form(""),
    cart_digest: str = Form(""),
    po_number: str = Form("", max_length=2000),
    delivery_address: str = Form("", max_length=5000),
    invoice_address: str = Form("", max_length=5000),
    note_retailer: list[str] = Form([]),
    note_text: list[str] = Form([]),
) -> Response:
    """Place the cart. A double click or a resubmitted form places one order set: the
    repeat is sent to the orders already placed, with a notice saying so. A cart that is
    no longer the one the page showed (edited in another tab, a price changed again after
    it was accepted) is not placed: the page is shown again with what it holds now."""
    if (refused := role_gate(request, user, "clinic")) is not None:
        return refused
    assert user is not None
    form = DetailsForm.posted(
        po_number, delivery_address, invoice_address, note_retailer, note_text
    )
    claimed = _claim_form(request, user, checkout_token)
    if isinstance(claimed, Replay):
        return see_other(claimed.body, "already_placed")
    factory = request.app.state.session_factory
    try:
        placed = orders.checkout(
            session,
            user,
            accept_changes=accept_changes == "1",
            now=utc_now(),
            repeat_window=timedelta(seconds=settings.checkout_repeat_window_seconds),
            expected_cart=cart_digest.strip() or None,
            details=form.details(),
        )
        ref = placed[0].checkout_ref
        session.commit()
    except AlreadyCheckedOut as done:
        # this form's cart was placed by its twin submit (which may have won the cart lock
        # without holding the token): the token now stands for that order set
        session.rollback()
        if claimed is not None:
            finish(factory, claimed, 303, "text/plain", f"/ordrar?checkout={done.checkout_ref}")
        return _placed_page(done.checkout_ref, "already_placed")
    except (PriceChanged, CartChanged) as exc:
        session.rollback()
        if claimed is not None:
            release(factory, claimed)
        return _checkout_page(
            request,
            session,
            user,
            status_code=409,
            form=form,
            must_accept=isinstance(exc, PriceChanged),
            cart_changed=isinstance(exc, CartChanged),
        )
    except InvalidInput as exc:
        session.rollback()
        if claimed is not None:
            release(factory, claimed)
        detail = error_detail(exc, pick_lang(request))
        return _checkout_page(
            request, session, user, status_code=422, form=form, details_error=detail
        )
    except BaseException:
        session.rollback()
        if claimed is not None:
            release(factory, claimed)  # a domain error is shown by ui.error_pages
        raise
    if claimed is not None:
        finish(factory, claimed, 303, "text/plain", f"/ordrar?checkout={ref}")
    return _placed_page(ref, "placed")


# ---------------------------------------------------------------- orders


@router.get("/ordrar", response_class=HTMLResponse, name="ui_orders")
def orders_page(
    request: Request, session: SessionDep, user: CurrentUser, checkout: str = ""
) -> Response:
    if (refused := role_gate(request, user, "clinic")) is not None:
        return refused
    found = orders.list_orders(session, user)
    now = utc_now()
    return render(
        request,
        "orders.html",
        {
            "orders": found,
            "retailers": retailers_by_id(session, {o.retailer_id for o in found}),
            "overdue": {o.id for o in found if overdue(o, now)},
            "checkout_ref": checkout,
            "notice": notice(request),
        },
        user=user,
    )


@router.get("/ordrar/{order_id}", response_class=HTMLResponse, name="ui_order")
def order_page(request: Request, order_id: int, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := role_gate(request, user, "clinic")) is not None:
        return refused
    assert user is not None
    order = orders.get_order(session, user, order_id)
    retailer = session.get(Retailer, order.retailer_id)
    return render(
        request,
        "order.html",
        {
            "order": order,
            "retailer": retailer,
            "steps": timeline(order),
            "overdue": overdue(order, utc_now()),
            "rmas": rma.rmas_by_line(session, [line.id for line in order.lines]),
            "offers": offers_by_id(session, [line.offer_id for line in order.lines]),
            "reviewed": reviews.reviewed_retailer_in_order(session, user.id, order.id),
            "notice": notice(request),
            "delivered": order.status == OrderStatus.DELIVERED,
            "amounts": orders.amounts_of(order),
            "vat_rate": orders.order_vat_rate(order),
        },
        user=user,
    )


def _order_action(
    request: Request,
    session: SessionDep,
    user: User | None,
    action: Callable[[], tuple[Order, str]],
) -> Response:
    """Run an order action of the clinic (its domain errors become error pages), commit,
    and show the order with the action's notice."""
    if (refused := role_gate(request, user, "clinic")) is not None:
        return refused
    order, note = action()
    session.commit()
    return see_other(f"/ordrar/{order.id}", note)


@router.post("/ordrar/{order_id}/levererad", dependencies=CSRF)
def confirm_delivery(
    request: Request, order_id: int, session: SessionDep, user: CurrentUser
) -> Response:
    return _order_action(
        request,
        session,
        user,
        lambda: (orders.deliver(session, user, order_id, now=utc_now()), "delivered"),
    )


@router.post("/ordrar/{order_id}/avbryt", dependencies=CSRF)
def cancel_order(
    request: Request,
    order_id: int,
    session: SessionDep,
    user: CurrentUser,
    note: str = Form(""),
) -> Response:
    def act() -> tuple[Order, str]:
        cancelled = orders.cancel(
            session, user, order_id, "clinic_request", note=note, now=utc_now()
        )
        return cancelled, "cancelled"

    return _order_action(request, session, user, act)


@router.post("/ordrar/{order_id}/rader/{line_id}/reklamation", dependencies=CSRF)
def request_return(
    request: Request,
    order_id: int,
    line_id: int,
    session: SessionDep,
    user: CurrentUser,
    reason: str = Form(""),
) -> Response:
    def act() -> tuple[Order, str]:
        order = orders.get_order(session, user, order_id)
        if line_id not in {line.id for line in order.lines}:
            raise NotFound(f"no line {line_id} in order {order_id}")
        rma.request_rma(session, user, line_id, reason, now=utc_now())
        return order, "rma_requested"

    return _order_action(request, session, user, act)


@router.post("/ordrar/{order_id}/bestall-igen", dependencies=CSRF)
def reorder(request: Request, order_id: int, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := role_gate(request, user, "clinic")) is not None:
        return refused
    orders.reorder(session, user, order_id, now=utc_now())
    session.commit()
    return see_other("/varukorg", "reordered")

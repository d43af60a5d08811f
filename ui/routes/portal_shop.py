"""Retailer portal: the points shop of a loyalty programme (issue 15) for its members'
sellers and representative: browse and search rewards, a basket, redeem with delivery
details, my redemptions, and (the representative) who of the organisation redeems.

The same domain services as the API's ``/api/v1/loyalty/...`` shop routes. The checkout
form carries a one-time ``request_key``: a double submit makes one redemption.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep
from api.loyalty_csv import statement_csv
from catalog.enums import OrgRole
from catalog.models import User
from loyalty import reads, redemptions, shop, statements
from loyalty.errors import (
    InsufficientPoints,
    InvalidInput,
    LoyaltyError,
    NotAllowed,
    NotFound,
    OutOfStock,
    WrongState,
)
from loyalty.programmes import get_programme, own_membership
from marketplace.dates import utc_now
from ui.error_pages import page_router
from ui.i18n import MESSAGES
from ui.market_views import role_gate, see_other
from ui.rendering import error_page, render

router = page_router(prefix="/portal")
CSRF = [Depends(verify_csrf)]
PAGE_SIZE = 24
DONE = frozenset({"added", "redeemed", "policy"})


def shop_path(programme_id: int) -> str:
    return f"/portal/poang/{programme_id}/butik"


def error_key(exc: LoyaltyError) -> tuple[str, dict[str, str]]:
    """The message key (and values) a refused shop action shows. Pure."""
    if isinstance(exc, InsufficientPoints):
        return "shop.error.points", {}
    if isinstance(exc, OutOfStock):
        return "shop.error.stock", {}
    if isinstance(exc, WrongState):
        return "shop.error.state", {}
    if isinstance(exc, InvalidInput) and f"shop.field.{exc.field}" in MESSAGES:
        return f"shop.field.{exc.field}", {}  # told in words, not the field's code name
    if isinstance(exc, InvalidInput):
        return "shop.error.field", {
            "field": exc.field or "-",
            "detail": str(exc).split(": ", 1)[-1],
        }
    return "shop.error.denied", {}


def _gate(
    request: Request, session: SessionDep, user: User | None, programme_id: int
) -> Response | None:
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    try:
        own_membership(session, user, programme_id)
    except NotFound:
        return error_page(request, "error.not_found", user=user, status_code=404)
    except NotAllowed:
        return error_page(request, "error.forbidden", user=user, status_code=403)
    return None


def _page(
    request: Request,
    session: SessionDep,
    user: User,
    programme_id: int,
    *,
    q: str | None,
    category: str | None,
    offset: int,
    error: tuple[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    programme = get_programme(session, programme_id)
    membership = own_membership(session, user, programme_id)
    rewards, total = shop.browse(
        session, programme_id, query=q, category=category, limit=PAGE_SIZE, offset=offset
    )
    items = shop.basket(session, user, programme_id)
    mine, _count = redemptions.my_redemptions(session, user, limit=20, offset=0)
    points = next(
        (r for r in reads.my_points(session, user) if r.programme.id == programme_id), None
    )
    policy = shop.policy_of(session, membership.id)
    is_rep = user.org_role == OrgRole.REPRESENTATIVE.value
    if is_rep:
        spendable = (
            (points.member_total if policy.value == "entity" else points.member_own)
            if points
            else 0
        )
    else:
        spendable = (points.my_points or 0) if points else 0
    done = request.query_params.get("klart")
    context: dict[str, Any] = {
        "programme": programme,
        "rewards": rewards,
        "total": total,
        "q": q or "",
        "category": category or "",
        "categories": shop.categories(session, programme_id),
        "basket": [
            {"item": i, "reward": r, "points": i.quantity * r.price_points} for i, r in items
        ],
        "basket_total": sum(i.quantity * r.price_points for i, r in items),
        "orders": [
            {"order": o, "lines": redemptions.lines_of(session, o.id)}
            for o in mine
            if o.programme_id == programme_id
        ],
        "policy": policy.value,
        "is_rep": is_rep,
        "may_redeem": is_rep or policy.value == "sellers",
        "spendable": spendable,
        "done": done if done in DONE else None,
        "error": error,
        "year": datetime.now(UTC).year,
        "path": shop_path(programme_id),
    }
    return render(request, "portal_shop.html", context, user=user, status_code=status_code)


@router.get("/poang/{programme_id}/butik", response_class=HTMLResponse, name="ui_portal_shop")
def shop_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    programme_id: int,
    q: Annotated[str | None, Query(max_length=200)] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> Response:
    if (refused := _gate(request, session, user, programme_id)) is not None:
        return refused
    assert user is not None
    return _page(request, session, user, programme_id, q=q, category=category, offset=offset)


@router.post("/poang/{programme_id}/butik/korg", dependencies=CSRF)
def basket_set(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    programme_id: int,
    reward_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    quantity: Annotated[int, Form(ge=0, le=100)],
    add: Annotated[bool, Form()] = False,
) -> Response:
    if (refused := _gate(request, session, user, programme_id)) is not None:
        return refused
    assert user is not None
    try:
        reward = shop.get_reward(session, reward_id)
        if reward.programme_id != programme_id:
            raise NotFound(f"no reward {reward_id} in programme {programme_id}")
        shop.set_basket_quantity(session, user, reward_id, quantity, now=utc_now(), add=add)
    except NotFound:
        return error_page(request, "error.not_found", user=user, status_code=404)
    except LoyaltyError as exc:
        session.rollback()
        return _page(
            request, session, user, programme_id, q=None, category=None, offset=0,
            error=error_key(exc), status_code=422,
        )  # fmt: skip
    session.commit()
    return see_other(f"{shop_path(programme_id)}?klart=added", fragment="korg")


@router.post("/poang/{programme_id}/butik/uttag", dependencies=CSRF)
def redeem(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    programme_id: int,
    request_key: Annotated[str, Form(min_length=1, max_length=100)],
    delivery_name: Annotated[str, Form(max_length=200)] = "",
    delivery_address: Annotated[str, Form(max_length=300)] = "",
    delivery_postcode: Annotated[str, Form(max_length=10)] = "",
    delivery_city: Annotated[str, Form(max_length=100)] = "",
    delivery_email: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    if (refused := _gate(request, session, user, programme_id)) is not None:
        return refused
    assert user is not None
    try:
        redemptions.redeem(
            session,
            user,
            programme_id,
            request_key=request_key,
            delivery=redemptions.Delivery(
                delivery_name, delivery_address, delivery_postcode, delivery_city, delivery_email
            ),
            now=utc_now(),
        )
    except NotAllowed:
        session.rollback()
        return error_page(request, "error.forbidden", user=user, status_code=403)
    except LoyaltyError as exc:
        session.rollback()
        status = 409 if isinstance(exc, InsufficientPoints | OutOfStock) else 422
        return _page(
            request, session, user, programme_id, q=None, category=None, offset=0,
            error=error_key(exc), status_code=status,
        )  # fmt: skip
    session.commit()
    return see_other(f"{shop_path(programme_id)}?klart=redeemed", fragment="uttag")


@router.post("/poang/{programme_id}/butik/policy", dependencies=CSRF)
def policy(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    programme_id: int,
    redeemer: Annotated[str, Form(max_length=10)],
) -> Response:
    if (refused := _gate(request, session, user, programme_id)) is not None:
        return refused
    try:
        shop.set_policy(session, user, programme_id, redeemer, now=utc_now())
    except NotAllowed:
        return error_page(request, "error.forbidden", user=user, status_code=403)
    except InvalidInput as exc:
        assert user is not None
        return _page(
            request, session, user, programme_id, q=None, category=None, offset=0,
            error=error_key(exc), status_code=422,
        )  # fmt: skip
    session.commit()
    return see_other(f"{shop_path(programme_id)}?klart=policy", fragment="policy")


@router.get("/poang/{programme_id}/formaner/{year}.csv", name="ui_portal_shop_statement")
def statement(
    request: Request, session: SessionDep, user: CurrentUser, programme_id: int, year: int
) -> Response:
    """The organisation's yearly statement of redeemed reward value (the representative),
    as the API's: Swedish Excel CSV."""
    if (refused := _gate(request, session, user, programme_id)) is not None:
        return refused
    try:
        rows = statements.yearly_statement(session, user, programme_id, year)
    except NotAllowed:
        return error_page(request, "error.forbidden", user=user, status_code=403)
    except InvalidInput:
        return error_page(request, "error.not_found", user=user, status_code=404)
    return Response(
        statement_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="poang-formaner-{programme_id}-{year}.csv"'
            )
        },
    )

"""The sponsor's side of a loyalty programme's points shop (issue 15), for the programme's
manager (a platform admin at ``/admin/lojalitet…``, the sponsor's representative at
``/sponsor/lojalitet…``: ``ui.loyalty_manage``): the liability report, the reward
catalogue (add, change price, stock, active) and the redemption queue (fulfil, or cancel
with a reason: the points go back). The same domain services as the API's shop routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep
from catalog.models import User
from loyalty import programmes, redemptions, shop, statements
from loyalty.errors import AlreadyExists, LoyaltyError, NotFound
from marketplace.dates import utc_now
from ui.error_pages import page_router
from ui.loyalty_manage import base_of, managed_programmes, manager_gate
from ui.market_views import see_other
from ui.rendering import error_page, render
from ui.routes.portal_shop import error_key

router = page_router(prefix="/admin")
sponsor_router = page_router(prefix="/sponsor")
CSRF = [Depends(verify_csrf)]
DONE = frozenset({"created", "updated", "fulfilled", "cancelled"})


def sponsor_path(request: Request, programme_id: int) -> str:
    return f"{base_of(request)}/{programme_id}/butik"


def _page(
    request: Request,
    session: SessionDep,
    user: User,
    programme_id: int,
    *,
    error: tuple[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    programme = programmes.get_programme(session, programme_id)
    rewards, _total = shop.browse(session, programme_id, include_inactive=True, limit=500, offset=0)
    queue, _count = redemptions.queue(
        session, user, programme_id, status="placed", limit=100, offset=0
    )
    done = request.query_params.get("klart")
    context: dict[str, Any] = {
        "programme": programme,
        "all_programmes": managed_programmes(session, user),
        "base": base_of(request),
        "report": statements.liability(session, user, programme_id),
        "rewards": rewards,
        "queue": [{"order": o, "lines": redemptions.lines_of(session, o.id)} for o in queue],
        "done": done if done in DONE else None,
        "error": error,
        "path": sponsor_path(request, programme_id),
    }
    return render(request, "admin_shop.html", context, user=user, status_code=status_code)


def _admin(request: Request, user: User | None) -> Response | None:
    return manager_gate(request, user)


@router.get("/lojalitet/{programme_id}/butik", response_class=HTMLResponse, name="ui_admin_shop")
@sponsor_router.get(
    "/lojalitet/{programme_id}/butik", response_class=HTMLResponse, name="ui_sponsor_shop"
)
def sponsor_page(
    request: Request, session: SessionDep, user: CurrentUser, programme_id: int
) -> Response:
    if (refused := _admin(request, user)) is not None:
        return refused
    assert user is not None
    try:
        return _page(request, session, user, programme_id)
    except NotFound:
        return error_page(request, "error.not_found", user=user, status_code=404)


def _reward_input(
    name: str,
    description: str,
    picture_url: str,
    category: str,
    price: int,
    stock: int,
    active: bool,
) -> shop.RewardInput:
    return shop.RewardInput(name, description, picture_url or None, category, price, stock, active)


@router.post("/lojalitet/{programme_id}/beloningar", dependencies=CSRF)
@sponsor_router.post("/lojalitet/{programme_id}/beloningar", dependencies=CSRF)
def create_reward(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    programme_id: int,
    name: Annotated[str, Form(max_length=200)] = "",
    category: Annotated[str, Form(max_length=100)] = "",
    price_points: Annotated[int, Form(ge=1, le=10_000_000)] = 1,
    stock: Annotated[int, Form(ge=0, le=1_000_000)] = 0,
    description: Annotated[str, Form(max_length=5000)] = "",
    picture_url: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    if (refused := _admin(request, user)) is not None:
        return refused
    assert user is not None
    try:
        shop.create_reward(
            session,
            user,
            programme_id,
            _reward_input(name, description, picture_url, category, price_points, stock, True),
            now=utc_now(),
        )
    except NotFound:
        return error_page(request, "error.not_found", user=user, status_code=404)
    except AlreadyExists:
        session.rollback()
        return _page(
            request, session, user, programme_id, error=("shop.error.exists", {}), status_code=409
        )
    except LoyaltyError as exc:
        session.rollback()
        return _page(request, session, user, programme_id, error=error_key(exc), status_code=422)
    session.commit()
    return see_other(f"{sponsor_path(request, programme_id)}?klart=created", fragment="beloningar")


@router.post("/lojalitet/beloningar/{reward_id}", dependencies=CSRF)
@sponsor_router.post("/lojalitet/beloningar/{reward_id}", dependencies=CSRF)
def update_reward(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    reward_id: int,
    name: Annotated[str, Form(max_length=200)] = "",
    category: Annotated[str, Form(max_length=100)] = "",
    price_points: Annotated[int, Form(ge=1, le=10_000_000)] = 1,
    stock: Annotated[int, Form(ge=0, le=1_000_000)] = 0,
    description: Annotated[str, Form(max_length=5000)] = "",
    picture_url: Annotated[str, Form(max_length=500)] = "",
    active: Annotated[bool, Form()] = False,
) -> Response:
    if (refused := _admin(request, user)) is not None:
        return refused
    assert user is not None
    try:
        reward = shop.get_reward(session, reward_id)
        programme_id = reward.programme_id
        shop.update_reward(
            session,
            user,
            reward_id,
            _reward_input(name, description, picture_url, category, price_points, stock, active),
            now=utc_now(),
        )
    except NotFound:
        return error_page(request, "error.not_found", user=user, status_code=404)
    except AlreadyExists:
        session.rollback()
        return _page(
            request, session, user, programme_id, error=("shop.error.exists", {}), status_code=409
        )
    except LoyaltyError as exc:
        session.rollback()
        return _page(request, session, user, programme_id, error=error_key(exc), status_code=422)
    session.commit()
    return see_other(
        f"{sponsor_path(request, programme_id)}?klart=updated", fragment=f"reward-{reward_id}"
    )


def _act(
    request: Request,
    session: SessionDep,
    user: User | None,
    redemption_id: int,
    action: str,
    reason: str = "",
) -> Response:
    if (refused := _admin(request, user)) is not None:
        return refused
    assert user is not None
    try:
        order = redemptions.get_redemption(session, redemption_id)
        programme_id = order.programme_id
        if action == "fulfilled":
            redemptions.fulfil(session, user, redemption_id, now=utc_now())
        else:
            redemptions.cancel(session, user, redemption_id, reason, now=utc_now())
    except NotFound:
        return error_page(request, "error.not_found", user=user, status_code=404)
    except LoyaltyError as exc:
        session.rollback()
        return _page(request, session, user, programme_id, error=error_key(exc), status_code=409)
    session.commit()
    return see_other(f"{sponsor_path(request, programme_id)}?klart={action}", fragment="uttag")


@router.post("/lojalitet/uttag/{redemption_id}/levererad", dependencies=CSRF)
@sponsor_router.post("/lojalitet/uttag/{redemption_id}/levererad", dependencies=CSRF)
def fulfil(
    request: Request, session: SessionDep, user: CurrentUser, redemption_id: int
) -> Response:
    return _act(request, session, user, redemption_id, "fulfilled")


@router.post("/lojalitet/uttag/{redemption_id}/avbryt", dependencies=CSRF)
@sponsor_router.post("/lojalitet/uttag/{redemption_id}/avbryt", dependencies=CSRF)
def cancel(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    redemption_id: int,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    return _act(request, session, user, redemption_id, "cancelled", reason)


# the catalogue's paths were spelt "belohningar" once: a form posted there (a page open in
# a browser tab across the rename) is sent on, method and body kept (308)
@router.post("/lojalitet/{programme_id}/belohningar")
def create_reward_old_path(request: Request, user: CurrentUser, programme_id: int) -> Response:
    if (refused := _admin(request, user)) is not None:
        return refused
    return RedirectResponse(f"/admin/lojalitet/{programme_id}/beloningar", status_code=308)


@router.post("/lojalitet/belohningar/{reward_id}")
def update_reward_old_path(request: Request, user: CurrentUser, reward_id: int) -> Response:
    if (refused := _admin(request, user)) is not None:
        return refused
    return RedirectResponse(f"/admin/lojalitet/beloningar/{reward_id}", status_code=308)

"""The sponsor's side of a loyalty programme's points shop (issue 15), for the programme's
manager (a platform admin at ``/admin/lojalitet…``, the sponsor's representative at
``/sponsor/lojalitet…``: ``ui.loyalty_manage``): the liability report, the reward
catalogue (add, change price, stock, active) and the redemption queue (fulfil, or cancel
with a reason: the points go back). The same domain services as the API's shop routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep, SettingsDep
from catalog.models import User
from catalog.settings import Settings
from loyalty import programmes, redemptions, reward_pictures, shop, statements
from loyalty.errors import AlreadyExists, LoyaltyError, NotFound
from loyalty.photo_images import CleanPhoto
from marketplace.dates import utc_now
from ui.error_pages import page_router
from ui.i18n import Formatter, pick_lang
from ui.loyalty_manage import base_of, managed_programmes, manager_gate
from ui.market_views import see_other
from ui.rendering import error_page, render
from ui.routes.portal_photos import bounds_of, megabytes
from ui.routes.portal_shop import error_key

router = page_router(prefix="/admin")
sponsor_router = page_router(prefix="/sponsor")
picture_router = page_router()
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


def _checked(settings: Settings, upload: UploadFile | None) -> CleanPhoto | None:
    """The chosen picture checked and cleaned before anything is saved (None: none
    chosen; :class:`~loyalty.reward_pictures.PictureRefused` for no picture)."""
    if upload is None or not upload.filename:
        return None
    return reward_pictures.prepare(upload.file, bounds_of(settings))


def _picture(
    session: SessionDep,
    settings: Settings,
    user: User,
    reward_id: int,
    picture: CleanPhoto | None,
) -> None:
    """Keep the reward's new picture, when one was chosen (``loyalty.reward_pictures``)."""
    if picture is None:
        return
    reward_pictures.set_picture(
        session,
        user,
        reward_id,
        picture,
        photo_dir=settings.loyalty_photo_dir,
        bounds=bounds_of(settings),
        now=utc_now(),
    )


def _picture_error(
    request: Request, settings: Settings, exc: reward_pictures.PictureRefused
) -> tuple[str, dict[str, str]]:
    """Why the picture was not taken, as the photo form tells it (``photo.err.<code>``)."""
    lang = pick_lang(request)
    return f"photo.err.{exc.code}", {
        "mb": megabytes(lang, settings.loyalty_photo_max_bytes),
        "mp": Formatter(lang).number(settings.loyalty_photo_max_pixels / 1_000_000),
    }


@picture_router.get("/lojalitet/beloningsbild/{reward_id}", name="ui_reward_picture")
def reward_picture(
    request: Request,
    reward_id: int,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> Response:
    """A reward's uploaded picture as stored (metadata stripped), for anyone signed in who
    may see a points shop (a retailer's people, sponsors, admins): its own type, never
    sniffed."""
    if user is None:
        return see_other(f"/logga-in?next=/lojalitet/beloningsbild/{reward_id}")
    if user.role not in ("retailer", "sponsor", "admin"):
        return error_page(request, "error.forbidden", user=user, status_code=403)
    try:
        path, content_type = reward_pictures.picture_file(
            session, reward_id, settings.loyalty_photo_dir
        )
    except NotFound:
        return error_page(request, "error.not_found", user=user, status_code=404)
    return FileResponse(
        path,
        media_type=content_type,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"},
    )


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
    settings: SettingsDep,
    name: Annotated[str, Form(max_length=200)] = "",
    category: Annotated[str, Form(max_length=100)] = "",
    price_points: Annotated[int, Form(ge=1, le=10_000_000)] = 1,
    stock: Annotated[int, Form(ge=0, le=1_000_000)] = 0,
    description: Annotated[str, Form(max_length=5000)] = "",
    picture_url: Annotated[str, Form(max_length=500)] = "",
    picture: Annotated[UploadFile | None, File()] = None,
) -> Response:
    if (refused := _admin(request, user)) is not None:
        return refused
    assert user is not None
    try:
        checked = _checked(settings, picture)
        created = shop.create_reward(
            session,
            user,
            programme_id,
            _reward_input(name, description, picture_url, category, price_points, stock, True),
            now=utc_now(),
        )
        _picture(session, settings, user, created.id, checked)
    except NotFound:
        return error_page(request, "error.not_found", user=user, status_code=404)
    except AlreadyExists:
        session.rollback()
        return _page(
            request, session, user, programme_id, error=("shop.error.exists", {}), status_code=409
        )
    except reward_pictures.PictureRefused as exc:
        session.rollback()
        error = _picture_error(request, settings, exc)
        return _page(request, session, user, programme_id, error=error, status_code=422)
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
    settings: SettingsDep,
    name: Annotated[str, Form(max_length=200)] = "",
    category: Annotated[str, Form(max_length=100)] = "",
    price_points: Annotated[int, Form(ge=1, le=10_000_000)] = 1,
    stock: Annotated[int, Form(ge=0, le=1_000_000)] = 0,
    description: Annotated[str, Form(max_length=5000)] = "",
    picture_url: Annotated[str, Form(max_length=500)] = "",
    active: Annotated[bool, Form()] = False,
    picture: Annotated[UploadFile | None, File()] = None,
) -> Response:
    if (refused := _admin(request, user)) is not None:
        return refused
    assert user is not None
    try:
        reward = shop.get_reward(session, reward_id)
        programme_id = reward.programme_id
        checked = _checked(settings, picture)
        shop.update_reward(
            session,
            user,
            reward_id,
            _reward_input(name, description, picture_url, category, price_points, stock, active),
            now=utc_now(),
        )
        _picture(session, settings, user, reward_id, checked)
    except NotFound:
        return error_page(request, "error.not_found", user=user, status_code=404)
    except AlreadyExists:
        session.rollback()
        return _page(
            request, session, user, programme_id, error=("shop.error.exists", {}), status_code=409
        )
    except reward_pictures.PictureRefused as exc:
        session.rollback()
        error = _picture_error(request, settings, exc)
        return _page(request, session, user, programme_id, error=error, status_code=422)
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

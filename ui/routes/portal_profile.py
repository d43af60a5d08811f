"""Retailer portal: the presentation page (text, logo, video, contact, delivery terms), and
the logo as the public page shows it.

Only the retailer's representative edits the page (``marketplace.retailer_profile``); the
retailer's staff see it read-only. Texts, errors and labels: ``ui.messages_portal``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep, SettingsDep
from catalog.models import Retailer, User
from catalog.private_files import private_dir
from catalog.reads import retailer_by_slug
from catalog.settings import Settings
from marketplace import retailer_profile
from marketplace.dates import utc_now
from marketplace.logos import MAX_BYTES, logo_path
from marketplace.retailer_profile import FieldError, ProfileInvalid
from ui.error_pages import page_router
from ui.i18n import Formatter, pick_lang, translate
from ui.market_views import role_gate, see_other
from ui.rendering import error_page, render

router = page_router(prefix="/portal")
public = page_router()
CSRF = [Depends(verify_csrf)]
LOGO_REQUEST_MAX = MAX_BYTES + 64 * 1024  # the logo and the form around it
LOGO_MAX_AGE = 86_400  # a logo's URL names its content: it never changes under that URL


def logo_dir(settings: Settings) -> Path:
    return settings.data_dir / "logos"


def logo_url(retailer: Retailer) -> str | None:
    """The public page's logo address (its content's hash in the query: a new logo is a new
    address, so caches never show an old one)."""
    if not retailer.logo_file:
        return None
    return f"/handlare/{retailer.slug}/logotyp?v={retailer.logo_file[:12]}"


def _retailer(session: Session, user: User) -> Retailer:
    retailer = session.get(Retailer, user.retailer_id)
    assert retailer is not None  # the foreign key guarantees it
    return retailer


def _form_values(retailer: Retailer) -> dict[str, str]:
    """The stored values as the form shows them."""
    amount = retailer.free_shipping_from
    return {
        "presentation": retailer.presentation or "",
        "video_url": retailer.video_url or "",
        "website": retailer.website or "",
        "contact_email": retailer.contact_email or "",
        "contact_phone": retailer.contact_phone or "",
        "free_shipping_from": "" if amount is None else f"{amount:.2f}".replace(".", ","),
        "delivery_fee": ""
        if retailer.delivery_fee is None
        else f"{retailer.delivery_fee:.2f}".replace(".", ","),
        "delivery_days": "" if retailer.delivery_days is None else str(retailer.delivery_days),
        "return_terms": retailer.return_terms or "",
    }


def _error_text(error: FieldError, lang: str) -> str:
    """Why a field's value is not accepted, in the reader's language."""
    number = Formatter(lang).number
    filled = {k: number(v) if isinstance(v, int) else v for k, v in error.values.items()}
    return translate(lang, f"profile_error.{error.code}", **filled)


def _page(
    request: Request,
    user: User,
    retailer: Retailer,
    *,
    values: dict[str, str] | None = None,
    errors: tuple[FieldError, ...] = (),
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "retailer": retailer,
        "values": values if values is not None else _form_values(retailer),
        "errors": {e.field: _error_text(e, pick_lang(request)) for e in errors},
        "may_edit": retailer_profile.may_edit(user, retailer.id),
        "logo": logo_url(retailer),
        "limits": {
            "presentation": retailer_profile.MAX_PRESENTATION,
            "return_terms": retailer_profile.MAX_RETURN_TERMS,
        },
    }
    return render(request, "portal_profile.html", context, user=user, status_code=status_code)


@router.get("/presentation", response_class=HTMLResponse, name="ui_portal_profile")
def profile_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    return _page(request, user, _retailer(session, user))


@router.post("/presentation", dependencies=CSRF)
def save_profile(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    presentation: str = Form(""),
    video_url: str = Form(""),
    website: str = Form(""),
    contact_email: str = Form(""),
    contact_phone: str = Form(""),
    free_shipping_from: str = Form(""),
    delivery_fee: str = Form(""),
    delivery_days: str = Form(""),
    return_terms: str = Form(""),
) -> Response:
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    values = {
        "presentation": presentation,
        "video_url": video_url,
        "website": website,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
        "free_shipping_from": free_shipping_from,
        "delivery_fee": delivery_fee,
        "delivery_days": delivery_days,
        "return_terms": return_terms,
    }
    retailer = _retailer(session, user)
    try:
        retailer_profile.update_profile(session, user, retailer.id, values, now=utc_now())
    except ProfileInvalid as exc:
        session.rollback()
        return _page(request, user, retailer, values=values, errors=exc.errors, status_code=422)
    session.commit()
    return see_other("/portal/presentation", "profile_saved")


@router.post("/presentation/logotyp")
async def save_logo(
    request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """Upload (or remove) the logo. The body is bounded before it is read: a request that
    says it is larger than a logo and its form can be is refused without reading it (the
    site-wide body limit bounds one that does not say)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > LOGO_REQUEST_MAX:
        return await run_in_threadpool(_too_big, request, session, user)
    async with request.form(max_files=1, max_fields=10) as form:  # closes the upload's file
        token = form.get("csrf_token")
        await verify_csrf(request, csrf_token=token if isinstance(token, str) else "")
        if (refused := role_gate(request, user, "retailer")) is not None:
            return refused
        assert user is not None
        logo = form.get("logo")
        return await run_in_threadpool(
            _save_logo,
            request,
            session,
            settings,
            user,
            logo if isinstance(logo, UploadFile) else None,
            form.get("remove") == "1",
        )


def _too_big(request: Request, session: Session, user: User | None) -> Response:
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    too_big = FieldError("logo", "logo_size", {"limit": MAX_BYTES})
    return _page(request, user, _retailer(session, user), errors=(too_big,), status_code=413)


def _save_logo(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    logo: UploadFile | None,
    remove: bool,
) -> Response:
    retailer = _retailer(session, user)
    now = utc_now()
    try:
        if remove:
            retailer_profile.remove_logo(session, user, retailer.id, now=now)
            notice = "logo_removed"
        else:
            if logo is None or not logo.filename:
                raise ProfileInvalid([FieldError("logo", "logo_empty", {})])
            folder = private_dir(logo_dir(settings))
            retailer_profile.set_logo(session, user, retailer.id, folder, logo.file, now=now)
            notice = "logo_saved"
    except ProfileInvalid as exc:
        session.rollback()
        return _page(request, user, retailer, errors=exc.errors, status_code=422)
    session.commit()
    return see_other("/portal/presentation", notice)


@public.get("/handlare/{slug}/logotyp", name="ui_retailer_logo")
def retailer_logo(
    request: Request, slug: str, session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """The retailer's logo, with its own content type (PNG, JPEG or WebP; never sniffed)."""
    retailer = retailer_by_slug(session, slug)
    found = logo_path(logo_dir(settings), retailer.logo_file if retailer else None)
    if found is None:
        return error_page(request, "retailer.not_found", user=user, status_code=404)
    path, content_type = found
    return FileResponse(
        path,
        media_type=content_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": f"public, max-age={LOGO_MAX_AGE}",
            "Content-Disposition": "inline",
        },
    )

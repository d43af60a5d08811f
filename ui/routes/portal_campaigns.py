"""Retailer portal: the retailer's campaigns (PRODUCT.md point 6: shown only in the campaigns
section, never in search): list them, create one, end one early.

The retailer's representative and staff both run campaigns (day-to-day marketing, like the
API's ``POST /retailers/{slug}/campaigns``, which any of its users may call). A campaign
names its products by the retailer's own article numbers (SKUs), read as the products its
offers are linked to; the rest is checked by ``marketplace.campaigns`` as the API's are.
A create form carries a one-time token: a double submit creates one campaign.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta
from datetime import time as day_time
from typing import Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep
from api.idempotency import (
    Claim,
    Replay,
    RequestInProgress,
    claim_key,
    finish,
    mark_committed_with,
    release,
)
from catalog.models import Retailer, User
from catalog.reads import product_names
from marketplace import campaigns
from marketplace.campaigns import MAX_PRODUCTS, CampaignDraft
from marketplace.dates import LOCAL_TZ, as_utc, local_date, utc_now
from marketplace.errors import InvalidInput
from marketplace.models import Campaign
from ui.error_pages import page_router
from ui.i18n import Formatter, pick_lang, translate
from ui.market_views import role_gate, see_other
from ui.rendering import render

router = page_router(prefix="/portal")
CSRF = [Depends(verify_csrf)]
PATH = "/portal/kampanjer"
MAX_SKU_TEXT = 20_000
CLAIM_WAIT_SECONDS = 10.0
SKU_SPLIT = re.compile(r"[\n,;]+")
FIELD_LABELS = {  # a field an error names -> its label
    "title": "pcampaigns.field_title",
    "text": "pcampaigns.field_text",
    "skus": "pcampaigns.field_skus",
    "product_ids": "pcampaigns.field_skus",
    "valid_from": "pcampaigns.valid_from",
    "valid_to": "pcampaigns.valid_to",
}


class FormError(Exception):
    """A field of the create form that is not accepted (``field``, ``code``, ``values``)."""

    def __init__(self, field: str, code: str, **values: object) -> None:
        super().__init__(code)
        self.field = field
        self.code = code
        self.values = values


def _retailer(session: Session, user: User) -> Retailer:
    retailer = session.get(Retailer, user.retailer_id)
    assert retailer is not None  # the foreign key guarantees it
    return retailer


def _day(raw: str, field: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise FormError(field, "campaign_date") from exc


def _start(day: date) -> datetime:
    """A Swedish calendar day's first instant, in UTC."""
    return as_utc(datetime.combine(day, day_time(0, 0), tzinfo=LOCAL_TZ))


def _skus(text: str) -> list[str]:
    """The article numbers typed, one per line or separated by commas or semicolons."""
    if len(text) > MAX_SKU_TEXT:
        raise FormError("skus", "campaign_products_many", limit=MAX_PRODUCTS)
    return SKU_SPLIT.split(text)


def _page(
    request: Request,
    session: Session,
    user: User,
    *,
    values: dict[str, str] | None = None,
    error: FormError | None = None,
    status_code: int = 200,
) -> Response:
    retailer = _retailer(session, user)
    found = campaigns.retailer_campaigns(session, user, retailer.id)
    now = utc_now()
    ids = {pid for c in found for pid in c.product_ids}
    names = product_names(session, ids)
    today = local_date(now)
    context: dict[str, Any] = {
        "retailer": retailer,
        "campaigns": [_view(c, now) for c in found],
        "product_names": names,
        "values": values
        or {
            "title": "",
            "text": "",
            "skus": "",
            "valid_from": today.isoformat(),
            "valid_to": (today + timedelta(days=30)).isoformat(),
        },
        "error": error,
        "error_text": _error_text(error, pick_lang(request)) if error else "",
        "field_labels": FIELD_LABELS,
    }
    return render(request, "portal_campaigns.html", context, user=user, status_code=status_code)


def _error_text(error: FormError, lang: str) -> str:
    number = Formatter(lang).number
    filled = {k: number(v) if isinstance(v, int) else v for k, v in error.values.items()}
    return translate(lang, f"error_detail.{error.code}", **filled)


def _view(campaign: Campaign, now: datetime) -> dict[str, Any]:
    start, end = as_utc(campaign.valid_from), as_utc(campaign.valid_to)
    state = "ended" if end <= now else ("active" if start <= now else "coming")
    return {"campaign": campaign, "state": state}


@router.get("/kampanjer", response_class=HTMLResponse, name="ui_portal_campaigns")
def campaigns_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    return _page(request, session, user)


def _claim(request: Request, user: User, token: str) -> Claim | Replay | None:
    """The create form's one-time token: a claim, the replay of the create it made (a double
    submit, waited for while the first runs), or None (no token)."""
    token = token.strip()[:100]
    if not token:
        return None
    deadline = time.monotonic() + CLAIM_WAIT_SECONDS
    while True:
        try:
            return claim_key(
                request.app.state.session_factory,
                owner=f"user:{user.id}",
                key=f"portal/kampanjer:{token}",
                method="POST",
                path=PATH,
                digest="campaign-create",
                stale_after=timedelta(seconds=request.app.state.settings.idempotency_stale_seconds),
            )
        except Replay as done:
            return done
        except RequestInProgress:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@router.post("/kampanjer", dependencies=CSRF)
def create(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    title: str = Form(""),
    text: str = Form(""),
    skus: str = Form(""),
    valid_from: str = Form(""),
    valid_to: str = Form(""),
    form_token: str = Form(""),
) -> Response:
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    values = {
        "title": title,
        "text": text,
        "skus": skus,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }
    claimed = _claim(request, user, form_token)
    if isinstance(claimed, Replay):
        return see_other(PATH, "campaign_created")
    factory = request.app.state.session_factory
    retailer = _retailer(session, user)
    try:
        first, last = _day(valid_from, "valid_from"), _day(valid_to, "valid_to")
        draft = CampaignDraft(
            title,
            text,
            campaigns.products_for_skus(session, retailer.id, _skus(skus)),
            _start(first),
            _start(last + timedelta(days=1)),  # through the last day
        )
        campaigns.create_campaign(session, user, retailer.id, draft, channel="web")
        if claimed is not None:
            mark_committed_with(session, claimed)  # the campaign and the token, in one commit
        session.commit()
    except (FormError, InvalidInput) as exc:
        session.rollback()
        if claimed is not None:
            release(factory, claimed)  # the corrected form may be sent again
        if isinstance(exc, FormError):
            error = exc
        else:  # the domain's check (the API's too): its code names the field
            filled = {k: v for k, v in exc.values.items() if k != "field"}
            error = FormError(str(exc.values.get("field", "")), exc.code or "invalid", **filled)
        return _page(request, session, user, values=values, error=error, status_code=422)
    except BaseException:
        session.rollback()
        if claimed is not None:
            release(factory, claimed)
        raise
    if claimed is not None:
        finish(factory, claimed, 303, "text/plain", PATH)
    return see_other(PATH, "campaign_created")


@router.post("/kampanjer/{campaign_id}/avsluta", dependencies=CSRF)
def end(request: Request, campaign_id: int, session: SessionDep, user: CurrentUser) -> Response:
    """End a campaign of the retailer now (another retailer's: not found)."""
    if (refused := role_gate(request, user, "retailer")) is not None:
        return refused
    assert user is not None
    campaigns.end_campaign(session, user, _retailer(session, user).id, campaign_id, utc_now())
    session.commit()
    return see_other(PATH, "campaign_ended")

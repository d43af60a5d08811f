"""Template rendering: one Jinja2 environment, the request's language, user and CSRF token."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, SupportsFloat
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from api.auth import csrf_token
from catalog.models import User
from indexer.run_progress import public_status
from loyalty import reward_pictures
from loyalty.shop import is_local_path
from marketplace import notifications
from ui import templates_dir
from ui.i18n import LANG_COOKIE, LANGS, Formatter, pick_lang, translator
from ui.ranking_claim import published_claim
from ui.spec_labels import category_text, level_text, spec_text, unit_text

LANG_COOKIE_MAX_AGE = 365 * 24 * 3600
NOTICES = frozenset(
    {
        # loyalty activities (ui.routes.portal_activity, ui.routes.admin_activity)
        "suggestion_sent",
        # the scheduled feed fetch (ui.routes.portal_fetch)
        "feed_url_added",
        "feed_url_saved",
        "feed_url_removed",
        "feed_fetch_requested",
        "feed_fetch_pending",
        "survey_answered",
        "suggestion_accepted",
        "suggestion_declined",
        "engagement_saved",
        "survey_created",
        "survey_opened",
        "survey_closed",
        "contest_created",
        "contest_closed",
        "added",
        "watch_saved",
        "watch_removed",
        "key_revoked",
        "updated",
        "removed",
        "placed",
        "already_placed",
        "delivered",
        "cancelled",
        "confirmed",
        "shipped",
        "reordered",
        "rma_requested",
        "rma_decided",
        "rma_resolved",
        "review_published",
        "review_held",
        "review_already_saved",
        "review_reported",
        "report_dismissed",
        "report_removed",
        # loyalty engagement (ui.messages_loyalty_engage)
        "quiz_passed",
        "quiz_failed",
        "loyalty_campaign_created",
        "loyalty_programme_created",
        "month_closed",
        "month_already_closed",
        "quiz_created",
        "participant_terms_accepted",
        "member_terms_accepted",
        "seller_invited",
        # loyalty photo activities (ui.messages_loyalty_photos)
        "photo_uploaded",
        "photo_activity_created",
        "photo_approved",
        "photo_rejected",
        "photo_already_decided",
        # loyalty management (ui.messages_loyalty_sponsor)
        "limits_saved",
        "credit_approved",
        "credit_rejected",
        "clawed_back",
        "quiz_saved",
        "campaign_saved",
        # the admin console (ui.messages_admin)
        "org_approved",
        "org_refused",
        "org_suspended",
        "org_reactivated",
        "org_saved",
        "roles_saved",
        "user_suspended",
        "user_reactivated",
        "sign_in_reset",
        "password_set",
        "review_moderated_publish",
        "review_moderated_remove",
        "responded",
        "account_deleted",
        "password_changed",
        "unlocked",
        "notifications_read",
        "preferences_saved",
        "webhook_deleted",
        "webhook_test_sent",
        "invited",
        "role_changed",
        "member_removed",
        "invitation_revoked",
        "joined",
        "profile_saved",
        "logo_saved",
        "logo_removed",
        "campaign_created",
        "campaign_ended",
    }
)
"""Notices a page shows after a redirect (``?notice=``); never free text from the URL."""

env = Environment(
    loader=FileSystemLoader(str(templates_dir)),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# a reward's picture: the uploaded one, or an old address only when it is on this site
env.globals["picture_of"] = reward_pictures.shown_url
env.globals["is_local"] = is_local_path


def pct(value: object) -> int:
    """A percentage as a whole number 0-100, for the ``w-N`` width classes (the CSP allows
    no inline ``style``)."""
    if not isinstance(value, str | SupportsFloat):
        return 0
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0
    if number != number:  # NaN
        return 0
    return max(0, min(100, round(number)))


env.filters["pct"] = pct
# a feed run's status as the API gives it: running until its offers are searchable
env.filters["run_status"] = public_status


def url_with(request: Request, path: str | None = None, **changes: object) -> str:
    """The current URL (or ``path``) with query parameters replaced; ``None`` removes one."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    for key, value in changes.items():
        if value is None or value == "":
            continue
        if isinstance(value, list | tuple):
            params.extend((key, str(v)) for v in value)
        else:
            params.append((key, str(value)))
    query = urlencode(params)
    target = path if path is not None else request.url.path
    return f"{target}?{query}" if query else target


def unread_count(request: Request, user: User | None) -> int:
    """The signed-in user's unread notifications (the navigation's badge)."""
    factory = getattr(request.app.state, "session_factory", None)
    if user is None or factory is None:
        return 0
    return notifications.unread_badge(factory, user.id)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    user: User | None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = pick_lang(request)
    ctx: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "langs": LANGS,
        "t": translator(lang),
        "fmt": Formatter(lang),
        "spec_text": spec_text(lang),
        "level_text": level_text(lang),
        "unit_text": unit_text(lang),
        "category_text": category_text(lang),
        "user": user,
        "csrf": lambda: csrf_token(request),
        "form_token": lambda: secrets.token_urlsafe(12),  # a one-time token per form shown
        "url_with": lambda path=None, **changes: url_with(request, path, **changes),
        "path": request.url.path,
        "unread_count": lambda: unread_count(request, user),
        "order_claim": published_claim(request, lang),
        "notice_key": notice_key
        if (notice_key := request.query_params.get("notice")) in NOTICES
        else None,
    }
    ctx.update(context or {})
    html = env.get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=LANG_COOKIE_MAX_AGE, samesite="lax", path="/"
        )
    return response


def wants_fragment(request: Request) -> bool:
    """An HTMX request: it swaps a fragment into the page instead of loading a new one."""
    return request.headers.get("HX-Request") == "true"


def error_page(
    request: Request,
    message_key: str,
    *,
    user: User | None,
    status_code: int,
    detail: str = "",
) -> HTMLResponse:
    """The error page showing ``message_key`` (an ``ui.i18n`` key); for an HTMX request the
    fragment to swap in, never a whole page nested in the one the user is on."""
    return render(
        request,
        "partials/error.html" if wants_fragment(request) else "error.html",
        {"message_key": message_key, "detail": detail},
        user=user,
        status_code=status_code,
    )

"""The loyalty management pages' common ground: where they live and who reaches them.

The same pages serve platform admins at ``/admin/lojalitet…`` and a sponsor
organisation's representative at ``/sponsor/lojalitet…`` (never the admin console); which
programme each may manage is ``loyalty.access``'s, checked again by every domain call
(another sponsor's programme: the not-found page). A refusal is shown as a message key and
its values, in Swedish or English (:func:`manage_error`)."""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from catalog.models import User
from loyalty.access import MANAGING_ROLES, managed_programme_ids
from loyalty.campaigns import CampaignStarted
from loyalty.errors import InsufficientPoints, InvalidInput, LoyaltyError, NotAllowed, NotFound
from loyalty.limits import AlreadyDecided, ClawbackTooLarge
from loyalty.models import Programme
from loyalty.programmes import list_programmes
from loyalty.quizzes import QuizAttempted
from ui.i18n import translate
from ui.market_views import role_gate
from ui.rendering import error_page

ADMIN_BASE = "/admin/lojalitet"
SPONSOR_BASE = "/sponsor/lojalitet"


def base_of(request: Request) -> str:
    """The pages' root for this request (the admin's or the sponsor's)."""
    return SPONSOR_BASE if request.url.path.startswith("/sponsor/") else ADMIN_BASE


def manager_gate(request: Request, user: User | None) -> Response | None:
    """Admins on the admin paths, a sponsor's representative on the sponsor paths (login
    first; a 403 page for anyone else, a sponsor's staff included)."""
    sponsor = base_of(request) == SPONSOR_BASE
    if (refused := role_gate(request, user, "sponsor" if sponsor else "admin")) is not None:
        return refused
    assert user is not None
    if sponsor and user.org_role not in MANAGING_ROLES:
        return error_page(request, "error.forbidden", user=user, status_code=403)
    return None


def managed_programmes(session: Session, user: User) -> list[Programme]:
    """Every programme for an admin; the sponsor's own for its representative."""
    return list_programmes(session, only_ids=managed_programme_ids(session, user))


def refusal_page(request: Request, user: User, exc: LoyaltyError) -> Response | None:
    """The not-found or forbidden page for those refusals (None for others)."""
    if isinstance(exc, NotFound):
        return error_page(request, "error.not_found", user=user, status_code=404)
    if isinstance(exc, NotAllowed):
        return error_page(request, "error.forbidden", user=user, status_code=403)
    return None


PLACES = frozenset({"prizes", "questions", "choices"})
"""List fields whose numbered places have a name of their own (``place.<field>``)."""


def place_of(field: str, lang: str) -> str:
    """Where in a list field a refusal is, in ``lang``: `` (pris 2)``, `` (fråga 1, svar
    3)``; empty for a plain field. Pure."""
    parts = [
        translate(lang, f"place.{name}", number=int(index) + 1)
        for name, index in re.findall(r"(\w+)\[(\d+)\]", field)
        if name in PLACES
    ]
    return f" ({', '.join(parts)})" if parts else ""


def manage_error(exc: LoyaltyError) -> tuple[str, dict[str, object]]:
    """The message key (``ui.messages_loyalty_sponsor``) and values of a refused change.
    Pure."""
    if isinstance(exc, ClawbackTooLarge):
        return "manage.err.too_large", {"points": exc.points, "left": exc.left}
    if isinstance(exc, InsufficientPoints):
        balance = exc.balance if exc.balance is not None else 0
        return "manage.err.insufficient", {"points": exc.points, "balance": balance}
    if isinstance(exc, AlreadyDecided):
        return "manage.err.decided", {}
    if isinstance(exc, QuizAttempted):
        return "manage.err.quiz_attempted", {}
    if isinstance(exc, CampaignStarted):
        return "manage.err.campaign_started", {}
    if isinstance(exc, InvalidInput):
        field = (exc.field or "").split(".")[0].split("[")[0]
        return f"manage.field.{field}" if field in FIELDS else "manage.err.invalid", {
            "detail": str(exc)
        }
    return "manage.err.denied", {}


FIELDS = frozenset(
    {
        "reason",
        "points",
        "caps",
        "approval_threshold",
        "entry_id",
        "title",
        "questions",
        "pass_mark",
        "max_attempts",
        "name",
        "multiplier",
        "target_value",
        "starts_at",
        "ends_at",
        "sponsor_name",
        "points_per_krona",
        "point_value_ore",
        "expiry_months",
        "sponsor_organisation_id",
        "programme_id",
    }
)
"""Fields whose refusal has a message of its own (``manage.field.<field>``)."""

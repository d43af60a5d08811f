"""The signed-in user's notifications and e-mail preferences (``/me/...``), and their
organisation's webhooks (``/organisation/webhooks``, deprecated alias ``/org/webhooks``: its
representative or manager only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.deps import RateLimitDep, SessionDep, SettingsDep, UserDep
from api.schemas.common import API_PROBLEMS, MAX_INT, problems
from api.schemas.notify import (
    DeliveryList,
    DeliveryPublic,
    NotificationPage,
    NotificationPublic,
    PreferencesPublic,
    PreferencesUpdate,
    ReadResult,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookPublic,
)
from marketplace import notifications, preferences, webhooks
from marketplace.dates import utc_now
from marketplace.models import Notification, WebhookDelivery, WebhookEndpoint

me_router = APIRouter(
    prefix="/me", tags=["notifications"], dependencies=[RateLimitDep], responses=API_PROBLEMS
)
# included twice (api.app): at WEBHOOKS_PREFIX and, deprecated, at OLD_WEBHOOKS_PREFIX
WEBHOOKS_PREFIX = "/organisation/webhooks"
OLD_WEBHOOKS_PREFIX = "/org/webhooks"  # the first path, kept so no client breaks
org_router = APIRouter(tags=["webhooks"], dependencies=[RateLimitDep], responses=API_PROBLEMS)

ObjectId = Annotated[int, Path(ge=1, le=MAX_INT)]
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=MAX_INT)]


def _note(n: Notification) -> NotificationPublic:
    return NotificationPublic(
        id=n.id,
        kind=n.kind,
        ref=n.ref,
        values=dict(n.values),
        created_at=n.created_at,
        read_at=n.read_at,
    )


@me_router.get(
    "/notifications", response_model=NotificationPage, responses=problems(401, 403, 422, 429)
)
def my_notifications(
    session: SessionDep,
    user: UserDep,
    limit: Limit = 50,
    offset: Offset = 0,
    unread: bool = False,
) -> NotificationPage:
    """The user's notifications, newest first (``unread=true``: only unread ones)."""
    rows, total = notifications.page_for(
        session, user, limit=limit, offset=offset, unread_only=unread
    )
    return NotificationPage(
        data=[_note(n) for n in rows],
        count=total,
        limit=limit,
        offset=offset,
        unread=notifications.unread_count(session, user.id),
    )


@me_router.post("/notifications/read", response_model=ReadResult, responses=problems(401, 403, 429))
def read_all(session: SessionDep, user: UserDep) -> ReadResult:
    """Mark every unread notification of the user read."""
    marked = notifications.mark_read(session, user, now=utc_now())
    session.commit()
    return ReadResult(marked=marked, unread=0)


@me_router.post(
    "/notifications/{notification_id}/read",
    response_model=NotificationPublic,
    responses=problems(401, 403, 404, 429),
)
def read_one(session: SessionDep, user: UserDep, notification_id: ObjectId) -> NotificationPublic:
    """Mark one of the user's notifications read (another user's: 404)."""
    note = notifications.mark_one_read(session, user, notification_id, now=utc_now())
    session.commit()
    return _note(note)


def _prefs(session: SessionDep, user: UserDep) -> PreferencesPublic:
    chosen = preferences.preferences_of(session, user.id)
    kinds = list(preferences.kinds_for(user))
    return PreferencesPublic(
        lang="en" if chosen.lang == "en" else "sv",
        email={k: chosen.wants_email(k) for k in kinds},
        kinds=kinds,
    )


@me_router.get(
    "/notification-preferences",
    response_model=PreferencesPublic,
    responses=problems(401, 403, 429),
)
def my_preferences(session: SessionDep, user: UserDep) -> PreferencesPublic:
    """Which notification kinds the user also gets by e-mail, and in which language."""
    return _prefs(session, user)


@me_router.put(
    "/notification-preferences",
    response_model=PreferencesPublic,
    responses=problems(401, 403, 422, 429),
)
def set_preferences(
    body: PreferencesUpdate, session: SessionDep, user: UserDep
) -> PreferencesPublic:
    """Change the language and the kinds named (the others keep their setting)."""
    preferences.save_preferences(session, user.id, lang=body.lang, email=body.email, now=utc_now())
    session.commit()
    return _prefs(session, user)


def _hook(e: WebhookEndpoint) -> WebhookPublic:
    return WebhookPublic(
        id=e.id, url=e.url, kinds=list(e.kinds), active=e.active, created_at=e.created_at
    )


def _delivery(d: WebhookDelivery) -> DeliveryPublic:
    return DeliveryPublic(
        id=d.id,
        kind=d.kind,
        status="sent" if d.status == "sent" else "failed" if d.status == "failed" else "queued",
        attempts=d.attempts,
        response_code=d.response_code,
        response_excerpt=d.response_excerpt,
        last_error=d.last_error,
        created_at=d.created_at,
        next_attempt_at=d.next_attempt_at,
        delivered_at=d.delivered_at,
    )


@org_router.get("", response_model=WebhookList, responses=problems(401, 403, 422, 429))
def list_webhooks(
    session: SessionDep, user: UserDep, limit: Limit = 50, offset: Offset = 0
) -> WebhookList:
    """The organisation's endpoints (never their secrets) and the event kinds offered."""
    found = webhooks.endpoints_of(session, user)
    return WebhookList(
        data=[_hook(e) for e in found[offset : offset + limit]],
        count=len(found),
        limit=limit,
        offset=offset,
        kinds=list(webhooks.KINDS),
    )


@org_router.post(
    "", status_code=201, response_model=WebhookCreated, responses=problems(401, 403, 422, 429)
)
def create_webhook(
    body: WebhookCreate, session: SessionDep, settings: SettingsDep, user: UserDep
) -> WebhookCreated:
    """Register an https URL for the chosen event kinds; the answer holds the signing
    secret, shown this once."""
    endpoint, secret = webhooks.create_endpoint(
        session,
        user,
        url=body.url,
        kinds=body.kinds,
        allow_loopback=settings.webhook_allow_loopback,
        now=utc_now(),
    )
    session.commit()
    return WebhookCreated(**_hook(endpoint).model_dump(), secret=secret)


@org_router.delete(
    "/{endpoint_id}",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403, 404, 429),
)
def delete_webhook(session: SessionDep, user: UserDep, endpoint_id: ObjectId) -> Response:
    """Remove the endpoint and its delivery log."""
    webhooks.delete_endpoint(session, user, endpoint_id)
    session.commit()
    return Response(status_code=204)


@org_router.get(
    "/{endpoint_id}/deliveries",
    response_model=DeliveryList,
    responses=problems(401, 403, 404, 422, 429),
)
def list_deliveries(
    session: SessionDep,
    user: UserDep,
    endpoint_id: ObjectId,
    limit: Limit = 50,
    offset: Offset = 0,
) -> DeliveryList:
    """The endpoint's delivery log, newest first."""
    rows, total = webhooks.deliveries_of(session, user, endpoint_id, limit=limit, offset=offset)
    return DeliveryList(data=[_delivery(d) for d in rows], count=total, limit=limit, offset=offset)


@org_router.post(
    "/{endpoint_id}/test",
    status_code=202,
    response_model=DeliveryPublic,
    responses=problems(401, 403, 404, 429),
)
def test_webhook(session: SessionDep, user: UserDep, endpoint_id: ObjectId) -> DeliveryPublic:
    """Queue a ``ping`` event to the endpoint; it is sent right after (see its log)."""
    delivery = webhooks.send_test(session, user, endpoint_id, now=utc_now())
    session.commit()
    return _delivery(delivery)

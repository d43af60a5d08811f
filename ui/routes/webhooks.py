"""An organisation's webhooks (``/organisation/webhooks``): its representative or manager
adds an https address for chosen events (the secret is shown once, on the page that
answers the form), removes one, sends a test event and reads the delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep, SettingsDep
from catalog.models import User
from marketplace import webhooks
from marketplace.dates import utc_now
from marketplace.errors import InvalidInput, NotAllowed
from ui.error_pages import error_detail, page_router
from ui.i18n import pick_lang
from ui.market_views import login_gate, see_other
from ui.rendering import error_page, render

router = page_router()
LOG_PAGE = 50
EndpointId = int  # out of range: the app's bounded_path_ids answers 404


def _refused(request: Request, user: User | None) -> Response | None:
    if (gate := login_gate(request, user)) is not None:
        return gate
    try:
        webhooks.manager_organisation(user)
    except NotAllowed:
        return error_page(request, "webhooks.managers_only", user=user, status_code=403)
    return None


def _page(
    request: Request,
    session: SessionDep,
    user: User | None,
    *,
    status_code: int = 200,
    **extra: object,
) -> Response:
    context: dict[str, object] = {
        "endpoints": webhooks.endpoints_of(session, user),
        "kinds": webhooks.KINDS,
        "error": None,
        "form_url": "",
        "form_kinds": [],
        "secret": None,
        **extra,
    }
    return render(request, "webhooks.html", context, user=user, status_code=status_code)


@router.get("/organisation/webhooks", response_class=HTMLResponse, name="ui_webhooks")
def webhooks_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    if (refused := _refused(request, user)) is not None:
        return refused
    return _page(request, session, user)


@router.post("/organisation/webhooks", dependencies=[Depends(verify_csrf)])
def add_webhook(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    url: Annotated[str, Form(max_length=2000)] = "",
    kinds: Annotated[list[str], Form(max_length=50)] = [],  # noqa: B006 - FastAPI copies it
) -> Response:
    """Register the address; the answer shows its secret once (never in a URL)."""
    if (refused := _refused(request, user)) is not None:
        return refused
    try:
        endpoint, secret = webhooks.create_endpoint(
            session,
            user,
            url=url,
            kinds=kinds,
            allow_loopback=settings.webhook_allow_loopback,
            now=utc_now(),
        )
    except InvalidInput as exc:
        session.rollback()
        message = error_detail(exc, pick_lang(request)) or str(exc)
        return _page(
            request, session, user, status_code=422, error=message, form_url=url, form_kinds=kinds
        )
    session.commit()
    response = _page(request, session, user, status_code=201, secret=secret, created=endpoint.id)
    response.headers["Cache-Control"] = "no-store"  # the secret is on this page
    return response


@router.post("/organisation/webhooks/{endpoint_id}/ta-bort", dependencies=[Depends(verify_csrf)])
def remove_webhook(
    request: Request, session: SessionDep, user: CurrentUser, endpoint_id: EndpointId
) -> Response:
    if (refused := _refused(request, user)) is not None:
        return refused
    webhooks.delete_endpoint(session, user, endpoint_id)
    session.commit()
    return see_other("/organisation/webhooks", "webhook_deleted")


@router.post("/organisation/webhooks/{endpoint_id}/testa", dependencies=[Depends(verify_csrf)])
def test_webhook(
    request: Request, session: SessionDep, user: CurrentUser, endpoint_id: EndpointId
) -> Response:
    if (refused := _refused(request, user)) is not None:
        return refused
    webhooks.send_test(session, user, endpoint_id, now=utc_now())
    session.commit()
    return see_other(f"/organisation/webhooks/{endpoint_id}", "webhook_test_sent")


@router.get(
    "/organisation/webhooks/{endpoint_id}", response_class=HTMLResponse, name="ui_webhook_log"
)
def delivery_log(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    endpoint_id: EndpointId,
    page: Annotated[int, Query(alias="sida", ge=1, le=100_000)] = 1,
) -> Response:
    """The endpoint's deliveries, newest first."""
    if (refused := _refused(request, user)) is not None:
        return refused
    endpoint = webhooks.endpoint_of(session, user, endpoint_id)
    rows, total = webhooks.deliveries_of(
        session, user, endpoint_id, limit=LOG_PAGE, offset=(page - 1) * LOG_PAGE
    )
    return render(
        request,
        "webhook_log.html",
        {
            "endpoint": endpoint,
            "deliveries": rows,
            "page": page,
            "pages": max(1, -(-total // LOG_PAGE)),
        },
        user=user,
    )

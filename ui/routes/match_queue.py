"""The admins' match review queue page (``/admin/matchning``): offers the matcher could not
decide, each beside its candidate products; accept, reject, new product, pick another
product, bulk accept by rule after a preview. Plain forms (post/redirect/get) that work
without JavaScript; ``/static/match_queue.js`` adds the keys (j/k or arrows, a, r, n).
Decisions are ``marketplace.match_review``'s; the search index outbox is applied after the
commit, so the offer's product changes in search at once."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.background import BackgroundTask

from api.auth import verify_csrf
from api.deps import CurrentUser, SessionDep
from catalog.models import Product, User
from catalog.reads import retailer_by_slug
from marketplace import match_review as mr
from marketplace.dates import utc_now
from marketplace.errors import InvalidInput, MarketplaceError
from ui.error_pages import error_detail, message_key, page_router, status_of
from ui.i18n import pick_lang
from ui.market_views import role_gate
from ui.rendering import error_page, render

router = page_router(prefix="/admin")
PAGE = "/admin/matchning"
PAGE_SIZE = 10
MAX_START = 1_000_000
NOTICES = frozenset({"accepted", "rejected", "new_product", "picked", "bulk"})
_SLUG = re.compile(r"[a-z0-9-]{1,100}")


def _slug(raw: str | None) -> str | None:
    return raw if raw and _SLUG.fullmatch(raw) else None


def _start(raw: str | None) -> int:
    try:
        value = int(raw or 0)
    except ValueError:
        return 0
    return min(max(value, 0), MAX_START)


def queue_url(
    retailer: str | None, start: int, *, notice: str | None = None, offer: int | None = None
) -> str:
    """The queue page with its filter and position (and a notice, and the offer to go to)."""
    params: dict[str, str] = {}
    if retailer:
        params["handlare"] = retailer
    if start:
        params["start"] = str(start)
    if notice:
        params["klart"] = notice
    url = PAGE + (f"?{urlencode(params)}" if params else "")
    return f"{url}#offer-{offer}" if offer else url


def _page(
    request: Request,
    session: SessionDep,
    user: User,
    *,
    retailer: str | None,
    start: int,
    error: MarketplaceError | None = None,
    bulk: dict[str, Any] | None = None,
) -> Response:
    found = retailer_by_slug(session, retailer) if retailer else None
    if retailer and found is None:
        return error_page(request, "error.not_found", user=user, status_code=404)
    page = mr.queue(
        session,
        user,
        retailer_id=found.id if found else None,
        limit=PAGE_SIZE,
        offset=start,
    )
    if start and not page.items and page.total:  # the last page emptied: show the one before
        start = max(0, (page.total - 1) // PAGE_SIZE * PAGE_SIZE)
        page = mr.queue(
            session, user, retailer_id=found.id if found else None, limit=PAGE_SIZE, offset=start
        )
    picking = _start(request.query_params.get("valj"))
    query = (request.query_params.get("q") or "").strip()[: mr.QUERY_MAX]
    hits: list[Product] = mr.find_products(session, user, query) if picking and query else []
    counts = mr.retailer_counts(session, user)
    notice = request.query_params.get("klart")
    context: dict[str, Any] = {
        "items": page.items,
        "total": page.total,
        "all_total": sum(c.offers for c in counts),
        "counts": counts,
        "retailer": found,
        "start": start,
        "page_size": PAGE_SIZE,
        "picking": picking,
        "query": query,
        "hits": hits,
        "methods": mr.METHODS,
        "bulk": bulk,
        "match_notice": notice if notice in NOTICES else None,
        "queue_url": queue_url,
        "error": None,
        "error_detail": "",
    }
    status = 200
    if error is not None:
        context.update(
            error=message_key(error), error_detail=error_detail(error, pick_lang(request))
        )
        status = status_of(error)
    return render(request, "admin_match_queue.html", context, user=user, status_code=status)


@router.get(PAGE.removeprefix("/admin"), name="ui_admin_match_queue")
def match_queue_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The queue (admins): ``?handlare=<slug>`` filters, ``?start=`` pages, ``?valj=<offer>
    &q=`` searches a product to pick for an offer."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    return _page(
        request,
        session,
        user,
        retailer=_slug(request.query_params.get("handlare")),
        start=_start(request.query_params.get("start")),
    )


def _after_commit(request: Request, response: RedirectResponse) -> RedirectResponse:
    """Apply the search index outbox once the redirect is sent."""
    apply: Callable[[], object] | None = getattr(request.app.state, "apply_outbox", None)
    if apply is not None:
        response.background = BackgroundTask(apply)
    return response


@dataclass(frozen=True, slots=True)
class Position:
    """Where the admin was in the queue when deciding (the form's hidden fields): the
    filter, the page, and the offer to go to next."""

    retailer: str
    start: str
    next_offer: str


def _position(
    retailer: str = Form(""), start: str = Form(""), next_offer: str = Form("")
) -> Position:
    return Position(retailer, start, next_offer)


PositionDep = Annotated[Position, Depends(_position)]


def _decide(
    request: Request,
    session: SessionDep,
    user: User | None,
    decide: Callable[[User], object],
    at: Position,
    notice: str,
) -> Response:
    """Run one decision as ``user`` (admins): on success commit and go back to the queue
    with ``notice``, at the next offer; refused, the queue again with the error."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    slug, start = _slug(at.retailer), _start(at.start)
    try:
        decide(user)
    except MarketplaceError as exc:
        session.rollback()
        return _page(request, session, user, retailer=slug, start=start, error=exc)
    session.commit()
    target = queue_url(slug, start, notice=notice, offer=_start(at.next_offer) or None)
    return _after_commit(request, RedirectResponse(target, status_code=303))


# decision(session, admin, the id in the path, channel=, now=): the match_review service
Decision = Callable[..., object]


def _decision_route(path: str, name: str, decision: Decision, notice: str, doc: str) -> None:
    """A POST route at ``path`` (its one id the candidate's or the offer's) that runs
    ``decision`` on that id and goes back to the queue with ``notice``."""

    def handler(
        request: Request, ref: int, session: SessionDep, user: CurrentUser, at: PositionDep
    ) -> Response:
        def decide(u: User) -> object:
            return decision(session, u, ref, channel="web", now=utc_now())

        return _decide(request, session, user, decide, at, notice)

    handler.__doc__ = doc
    router.add_api_route(
        path,
        handler,
        methods=["POST"],
        name=name,
        dependencies=[Depends(verify_csrf)],
        response_class=Response,
    )


_decision_route(
    "/matchning/kandidat/{ref}/godkann",
    "accept",
    mr.accept,
    "accepted",
    "The offer is this candidate's product (its other candidates are rejected).",
)
_decision_route(
    "/matchning/kandidat/{ref}/avvisa",
    "reject",
    mr.reject,
    "rejected",
    "This candidate is not the offer's product.",
)
_decision_route(
    "/matchning/erbjudande/{ref}/ny-produkt",
    "new_product",
    mr.new_product,
    "new_product",
    "None of the candidates: the offer becomes a product of its own.",
)


@router.post("/matchning/erbjudande/{offer_id}/valj", dependencies=[Depends(verify_csrf)])
def pick(
    request: Request,
    offer_id: int,
    session: SessionDep,
    user: CurrentUser,
    at: PositionDep,
    product_id: str = Form(""),
) -> Response:
    """The offer is the product the admin found."""

    def decide(u: User) -> object:
        if not product_id.isascii() or not product_id.isdigit() or len(product_id) > 10:
            raise InvalidInput("product_id: a product id", code="field_unknown", field="product_id")
        return mr.pick(session, u, offer_id, int(product_id), channel="web", now=utc_now())

    return _decide(request, session, user, decide, at, "picked")


def _rule(session: SessionDep, bulk_retailer: str, min_score: str, method: str) -> mr.BulkRule:
    slug = _slug(bulk_retailer)
    found = retailer_by_slug(session, slug) if slug else None
    if found is None:
        raise InvalidInput("retailer: choose a retailer", code="field_unknown", field="retailer")
    try:
        score = float(min_score.replace(",", "."))
    except ValueError:
        raise InvalidInput(
            "min_score: a number from 0 to 1", code="field_range", field="min_score"
        ) from None
    return mr.BulkRule(found.id, score, method or None).check()


@router.post("/matchning/regel", dependencies=[Depends(verify_csrf)])
def bulk_rule(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    bulk_retailer: str = Form(""),
    min_score: str = Form(""),
    method: str = Form(""),
    expected: str = Form(""),
    retailer: str = Form(""),
    start: str = Form(""),
) -> Response:
    """Bulk accept by rule: without ``expected``, the preview (the count, nothing decided);
    with it, the accept, when the rule still selects that many offers."""
    if (refused := role_gate(request, user, "admin")) is not None:
        return refused
    assert user is not None
    slug, at = _slug(retailer), _start(start)
    form = {
        "retailer": _slug(bulk_retailer) or "",
        "min_score": min_score[:10],
        "method": method[:20],
    }
    try:
        rule = _rule(session, bulk_retailer, min_score, method)
        if not expected:
            count = mr.bulk_preview(session, user, rule)
            return _page(
                request, session, user, retailer=slug, start=at, bulk={**form, "count": count}
            )
        if not expected.isdigit() or len(expected) > 9:
            raise InvalidInput("expected: a count", code="field_range", field="expected")
        mr.bulk_accept(session, user, rule, expected=int(expected), channel="web", now=utc_now())
    except MarketplaceError as exc:
        session.rollback()
        return _page(
            request, session, user, retailer=slug, start=at, error=exc, bulk={**form, "count": None}
        )
    session.commit()
    return _after_commit(
        request, RedirectResponse(queue_url(slug, at, notice="bulk"), status_code=303)
    )

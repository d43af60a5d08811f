"""The offers API (issue 19 item 3): a retailer's own system updates price, stock, quantity
and delivery days of its offers by SKU, one (``PATCH /offers/{sku}``) or up to 1,000 at
once (``PATCH /offers`` with ``items``, a result per item). A retailer's users and its API
keys of scope ``feeds``; rate-limited like every route; idempotent: an update that changes
nothing writes nothing, so a replayed request (a retry) changes nothing. Values are
normalized as feed cells are and the products changed are queued in the search index
outbox, applied right after the response (``indexer.offer_updates``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Request

from api.deps import RateLimitDep, SessionDep, UserDep
from api.key_scopes import allow_keys
from api.problems import Forbidden, InvalidInput, NotFound
from api.schemas.common import API_PROBLEMS, problems
from api.schemas.offers_api import (
    OfferBatch,
    OfferBatchResult,
    OfferChange,
    OfferItemResult,
)
from catalog.enums import KeyScope
from catalog.models import User
from indexer.offer_updates import OfferUpdate, apply_updates
from marketplace.dates import utc_now

router = APIRouter(
    prefix="/offers",
    tags=["offers"],
    dependencies=[RateLimitDep, allow_keys(KeyScope.FEEDS)],
    responses=API_PROBLEMS,
)
Sku = Annotated[str, Path(min_length=1, max_length=200)]


def _retailer(user: User | None) -> int:
    if user is None or user.role != "retailer" or user.retailer_id is None:
        raise Forbidden("only a retailer's users and keys update its offers")
    return user.retailer_id


def _update(sku: str, change: OfferChange) -> OfferUpdate:
    price = change.price
    return OfferUpdate(
        sku=sku,
        price=None if price is None else str(price),
        stock=change.stock,
        stock_quantity=change.stock_quantity,
        delivery_days=change.delivery_days,
    )


def _reindex_later(request: Request, background: BackgroundTasks) -> None:
    """Apply the outbox once the response is sent, in this process (at most 1,000 products:
    cheaper than starting the child a feed run's index phase uses)."""
    state = request.app.state
    apply: Callable[[], object] | None = getattr(
        state, "apply_outbox_here", getattr(state, "apply_outbox", None)
    )
    if apply is not None:
        background.add_task(apply)


@router.patch("/{sku}", response_model=OfferItemResult, responses=problems(401, 403, 404, 422))
def patch_offer(
    sku: Sku,
    change: OfferChange,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    user: UserDep,
) -> OfferItemResult:
    """Change one offer of the caller's retailer; ``unchanged`` when it already has these
    values (nothing is written)."""
    retailer_id = _retailer(user)
    [result] = apply_updates(session, retailer_id, [_update(sku, change)], now=utc_now())
    if result.status == "not_found":
        raise NotFound(f"no offer with SKU {sku!r}")
    if result.status == "invalid":
        raise InvalidInput(f"{result.field}: {result.error}")
    session.commit()
    if result.status == "updated":
        _reindex_later(request, background)
    return OfferItemResult(**result.as_json())


@router.patch("", response_model=OfferBatchResult, responses=problems(401, 403, 422))
def batch_update(
    body: OfferBatch,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    user: UserDep,
) -> OfferBatchResult:
    """Up to 1,000 updates in one transaction, a result per item (``updated``,
    ``unchanged``, ``not_found`` or ``invalid`` with the field and reason); a replayed
    batch changes nothing."""
    retailer_id = _retailer(user)
    items = [_update(item.sku, item) for item in body.items]
    results = apply_updates(session, retailer_id, items, now=utc_now())
    session.commit()
    counts = Counter(r.status for r in results)
    if counts["updated"]:
        _reindex_later(request, background)
    return OfferBatchResult(
        data=[OfferItemResult(**r.as_json()) for r in results], counts=dict(counts)
    )

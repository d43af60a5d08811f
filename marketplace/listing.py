"""A retailer's offers leave search when its organisation stops being active and come back
when it is active again (``catalog.listing`` says which sellers are listed).

Each status change (approve, refuse, suspend, reactivate) calls :func:`requeue_seller` in
its own transaction, so the products of the retailer's offers are in the search index
outbox the moment the change commits (a crash right after leaves them for the next outbox
pass). The subscriber :func:`subscribe` (wired by ``marketplace.tasks.wire``) does it once
more after the commit, in a new transaction, and then applies the outbox: an offer a feed
run of the same retailer committed while the status changed is seen by that second read,
or else its own outbox row is applied after the change committed. Either way every
document is rebuilt from a database where the new status is committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.events import (
    EventBus,
    OrganisationApproved,
    OrganisationEvent,
    OrganisationReactivated,
    OrganisationRefused,
    OrganisationSuspended,
)
from catalog.listing import seller_product_ids
from catalog.models import Organisation
from catalog.outbox import enqueue

log = logging.getLogger(__name__)

LISTING_EVENTS: tuple[type[OrganisationEvent], ...] = (
    OrganisationApproved,
    OrganisationRefused,
    OrganisationSuspended,
    OrganisationReactivated,
)
"""The events after which an organisation's retailer may be listed or unlisted."""


def requeue_seller(session: Session, organisation_id: int) -> int:
    """Enqueue the products of the organisation's retailer's offers for reindexing, in the
    caller's transaction; returns how many (0 for a clinic, or a retailer with no offers)."""
    retailer_id = session.scalar(
        select(Organisation.retailer_id).where(Organisation.id == organisation_id)
    )
    if retailer_id is None:
        return 0
    return enqueue(session, seller_product_ids(session, retailer_id))


def subscribe(bus: EventBus, factory: sessionmaker[Session], reindex: Callable[[], object]) -> None:
    """After a status change commits: enqueue its retailer's products again and call
    ``reindex`` (which applies the outbox; the periodic outbox pass if it fails)."""

    def handle(event: OrganisationEvent) -> None:
        with transaction(factory) as session:
            queued = requeue_seller(session, event.organisation_id)
        if queued:
            log.info(
                "organisation %s: %s products queued for the search index after %s",
                event.organisation_id,
                queued,
                type(event).__name__,
            )
            reindex()

    def register(b: EventBus) -> None:
        for cls in LISTING_EVENTS:
            b.subscribe(cls, handle)

    bus.subscribe_once("marketplace.listing", register)

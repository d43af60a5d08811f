"""A retailer's offers are listed while its organisation is active: each status change
enqueues its products in the search index outbox in its own transaction, and the
subscriber does it again after the commit and then asks for the outbox to be applied."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.db import transaction
from catalog.events import EventBus, attach
from catalog.listing import listed_seller, seller_product_ids
from catalog.models import IndexOutbox, Offer, Organisation
from marketplace import listing, org_admin, organisations
from search.documents import build_documents
from tests.unit.marketplace.mp_support import NOW, Market


def _org(s: Session, m: Market, status: str, retailer: str = "nord") -> int:
    org = Organisation(
        kind="retailer", name=f"{retailer} AB", status=status, retailer_id=m.retailers[retailer]
    )
    s.add(org)
    s.flush()
    return org.id


def _queued(s: Session) -> list[int]:
    return sorted(int(pid) for pid in s.scalars(select(IndexOutbox.product_id)))


def _listed_offers(s: Session) -> set[int]:
    return set(s.scalars(select(Offer.id).where(listed_seller(Offer.retailer_id))))


def test_only_an_active_or_organisation_less_retailer_is_listed(
    session: Session, market: Market
) -> None:
    every = set(market.offers.values())
    assert _listed_offers(session) == every  # no organisations yet: as before them
    org_id = _org(session, market, "active")
    assert _listed_offers(session) == every
    for status in ("pending", "suspended", "refused"):
        session.get(Organisation, org_id).status = status  # type: ignore[union-attr]
        session.flush()
        assert _listed_offers(session) == every - {market.offers["glove_nord"]}
        glove = next(iter(build_documents(session, [market.products["glove"]])))
        assert [o.retailer_id for o in glove.offers] == [market.retailers["tand"]]
        assert "N1" not in glove.skus


def test_a_status_change_enqueues_the_retailer_s_products_in_its_transaction(
    session: Session, market: Market
) -> None:
    org_id = _org(session, market, "active", retailer="tand")
    session.commit()
    admin = market.user(session, "admin")
    org_admin.suspend(session, admin, org_id, "Obetalt", now=NOW)
    tand_products = sorted([market.products["glove"], market.products["composite"]])
    assert _queued(session) == tand_products
    session.rollback()  # no suspension, no rows
    assert _queued(session) == []
    org_admin.suspend(session, admin, org_id, "Obetalt", now=NOW)
    session.commit()
    org_admin.reactivate(session, admin, org_id, now=NOW)
    session.commit()
    assert _queued(session) == sorted(tand_products * 2)


def test_a_decided_sign_up_and_a_clinic_enqueue_what_they_have(
    session: Session, market: Market
) -> None:
    org_id = _org(session, market, "pending")
    organisations.refuse(session, session.get(Organisation, org_id), None, "Okänt")  # type: ignore[arg-type]
    assert _queued(session) == [market.products["glove"]]
    clinic = Organisation(kind="clinic", name="Folktand", status="pending")
    session.add(clinic)
    session.flush()
    assert listing.requeue_seller(session, clinic.id) == 0
    assert seller_product_ids(session, market.retailers["nord"]) == [market.products["glove"]]


def test_the_subscriber_enqueues_again_after_the_commit_and_asks_for_the_outbox(
    market: Market,
) -> None:
    bus = EventBus()
    attach(market.factory, bus)
    asked: list[int] = []
    listing.subscribe(bus, market.factory, lambda: asked.append(1))
    listing.subscribe(bus, market.factory, lambda: asked.append(2))  # once per bus
    with transaction(market.factory) as s:
        org_id = _org(s, market, "active")
    with transaction(market.factory) as s:
        org_admin.suspend(s, market.user(s, "admin"), org_id, "Obetalt", now=NOW)
    with market.factory() as s:
        # in the suspension's transaction, then once more by the subscriber
        assert _queued(s) == [market.products["glove"]] * 2
    assert asked == [1]
    with transaction(market.factory) as s:
        org_admin.reactivate(s, market.user(s, "admin"), org_id, now=NOW)
    assert asked == [1, 1] and bus.failures == 0

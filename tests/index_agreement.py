"""Do the database and the search index agree? Count and a content hash, computed each side.

The hash covers every product and, per product, its active offers as
``(offer id, retailer slug, sku, price, stock status)`` from the database, and the same
fields from the stored index documents (an offer's sku is found by its id, which the index
stores; the index's own sku field is not stored).
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import Offer, Product, Retailer
from search.documents import StoredOffer
from search.protocol import AnalyzedQuery, BackendQuery, SearchBackend

Entry = tuple[int, tuple[tuple[int, str, str, str, str], ...]]


def _price(value: object) -> str:
    return "" if value is None else str(Decimal(str(value)).quantize(Decimal("0.01")))


def _digest(entries: list[Entry]) -> tuple[int, str]:
    text = json.dumps(sorted(entries), separators=(",", ":"))
    return len(entries), hashlib.sha256(text.encode()).hexdigest()


def _skus(session: Session) -> dict[int, str]:
    return {oid: sku for oid, sku in session.execute(select(Offer.id, Offer.sku))}


def database_state(factory: sessionmaker[Session]) -> tuple[int, str]:
    """(products, hash) of what the database holds."""
    with factory() as session:
        offers: dict[int, list[tuple[int, str, str, str, str]]] = {}
        rows = session.execute(
            select(Offer.product_id, Offer.id, Retailer.slug, Offer.sku, Offer.price)
            .add_columns(Offer.stock_status)
            .join(Retailer, Retailer.id == Offer.retailer_id)
            .where(Offer.product_id.is_not(None), Offer.withdrawn_at.is_(None))
        )
        for pid, oid, slug, sku, price, stock in rows:
            offers.setdefault(int(pid), []).append((oid, slug, sku, _price(price), stock))
        products = session.scalars(select(Product.id)).all()
    return _digest([(pid, tuple(sorted(offers.get(pid, [])))) for pid in products])


def _indexed(offer: StoredOffer, skus: dict[int, str]) -> tuple[int, str, str, str, str]:
    sku = skus.get(offer.offer_id, "")
    return offer.offer_id, offer.retailer_slug, sku, _price(offer.price), offer.stock_status


def index_state(backend: SearchBackend, factory: sessionmaker[Session]) -> tuple[int, str]:
    """(products, hash) of what the index's stored documents hold."""
    result = backend.search(
        BackendQuery(query=AnalyzedQuery(), limit=10_000, facets=False, include_documents=True)
    )
    with factory() as session:
        skus = _skus(session)
    entries: list[Entry] = []
    for pid, _score in result.hits:
        doc = result.documents[pid]
        entries.append((pid, tuple(sorted(_indexed(o, skus) for o in doc.offers))))
    return _digest(entries)

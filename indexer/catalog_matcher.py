"""Builds the in-memory matcher over the stored catalog, cached until the catalog changes."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Manufacturer, Product, ProductIdentifier
from indexer.matching import CatalogEntry, CatalogIndex, Matcher
from indexer.matching.catalog_index import PackagedGtin
from indexer.matching.parallel import build_parallel

_lock = threading.Lock()
_cache: dict[str, tuple[tuple[object, ...], Matcher]] = {}


def iter_catalog_entries(session: Session, batch_size: int = 5000) -> Iterator[CatalogEntry]:
    """Every product as a matching entry, read in batches (identifiers joined per batch)."""
    last_id = 0
    while True:
        rows = session.execute(
            select(
                Product.id,
                Product.name,
                Product.brand,
                Manufacturer.name,
                Product.mpn,
                Product.catalog_number,
            )
            .outerjoin(Manufacturer, Manufacturer.id == Product.manufacturer_id)
            .where(Product.id > last_id)
            .order_by(Product.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        ids = [r[0] for r in rows]
        idents: dict[int, list[str]] = defaultdict(list)
        packs: dict[int, list[PackagedGtin]] = defaultdict(list)
        for pid, value, scheme, level, qty in session.execute(
            select(
                ProductIdentifier.product_id,
                ProductIdentifier.value,
                ProductIdentifier.scheme,
                ProductIdentifier.level,
                ProductIdentifier.pkg_quantity,
            ).where(ProductIdentifier.product_id.between(ids[0], ids[-1]))
        ):
            if scheme == "gs1" and level not in ("primary", "unit_of_use"):
                packs[pid].append(PackagedGtin(gtin=value, level=level, quantity=qty))
            else:
                idents[pid].append(value)
        for pid, name, brand, manufacturer, mpn, catno in rows:
            yield CatalogEntry(
                product_id=pid,
                name=name,
                brand=brand,
                manufacturer=manufacturer,
                mpn=mpn,
                catalog_number=catno,
                identifiers=tuple(idents.get(pid, ())),
                packaging=tuple(packs.get(pid, ())),
            )
        last_id = ids[-1]


def catalog_version(session: Session) -> tuple[object, ...]:
    count, newest = session.execute(
        select(func.count(Product.id), func.max(Product.updated_at))
    ).one()
    return (count, str(newest))


def matcher_for(session: Session, workers: int = 1) -> Matcher:
    """A matcher over the current catalog; rebuilt only when products were added or changed.
    A large catalog is digested by up to `workers` processes (see `build_parallel`)."""
    bind = session.get_bind()
    key = str(bind.engine.url)
    version = catalog_version(session)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        if workers > 1:
            index, _ = build_parallel(list(iter_catalog_entries(session)), workers)
        else:
            index = CatalogIndex.build(iter_catalog_entries(session))
        matcher = Matcher(index)
        _cache[key] = (version, matcher)
        return matcher


def clear_cache() -> None:
    with _lock:
        _cache.clear()

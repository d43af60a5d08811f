"""Manufacturer catalog import: read any supported file, upsert products, update the index."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.product_store import upsert_products
from catalog.records import ProductRecord
from catalog.settings import Settings
from indexer.catalog_import import CatalogRowError, read_catalog

MAX_REPORTED_ERRORS = 1000


def import_catalog(
    factory: sessionmaker[Session],
    settings: Settings,
    path: Path,
    *,
    format: str = "auto",
    progress: Callable[[str], None] | None = None,
    reindex: bool = True,
) -> dict[str, Any]:
    """Import ``path`` idempotently; returns ``{"counts": {...}, "errors": [...]}``."""
    t0 = time.perf_counter()
    read_errors: list[str] = []
    read = 0

    def records() -> Iterator[ProductRecord]:
        nonlocal read
        for item in read_catalog(path, format=format):
            if isinstance(item, CatalogRowError):
                read_errors.append(f"{item.file}: {item.record}: {item.field}: {item.message}")
                continue
            read += 1
            if progress is not None and read % 50000 == 0:
                progress(f"read {read} products")
            yield item

    with transaction(factory) as session:
        counts = upsert_products(session, records())
    indexed = 0
    if reindex and counts.changed_product_ids:
        from indexer.feed_runner import OUTBOX_WAIT_SECONDS
        from indexer.outbox import apply_outbox

        # upsert_products wrote the changed ids to the index outbox in the transaction above
        indexed = apply_outbox(settings, factory=factory, wait=OUTBOX_WAIT_SECONDS).products
    errors = read_errors + list(counts.errors)
    return {
        "counts": {
            "read": read,
            "inserted": counts.inserted,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "errors": len(errors),
            "indexed": indexed,
            "seconds": round(time.perf_counter() - t0, 2),
        },
        "errors": errors[:MAX_REPORTED_ERRORS],
    }

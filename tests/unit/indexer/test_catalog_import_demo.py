"""The compact demo catalog in data/demo/ (shipped with the project) reads and imports."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest

from catalog.db import make_engine, migrate, session_factory, transaction
from catalog.product_store import upsert_products
from catalog.records import ProductRecord
from indexer.catalog_import import CatalogRowError, detect_catalog_format, read_catalog

DEMO = Path(__file__).resolve().parents[3] / "data" / "demo" / "gudid_dental_demo.jsonl.gz"


@pytest.mark.slow
def test_demo_catalog_imports(tmp_path: Path) -> None:
    assert DEMO.stat().st_size < 3 * 1024 * 1024
    assert detect_catalog_format(gzip.decompress(DEMO.read_bytes())[:65536]) == "valbar_jsonl"
    records = [r for r in read_catalog(DEMO) if isinstance(r, ProductRecord)]
    errors = [r for r in read_catalog(DEMO) if isinstance(r, CatalogRowError)]
    assert errors == []
    assert 3000 <= len(records) <= 5000
    assert all(r.source == "gudid" and r.primary_gtin for r in records)
    categories = Counter(r.category for r in records)
    assert len(categories) >= 40
    assert len({r.manufacturer for r in records}) >= 200
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    migrate(engine)
    with transaction(session_factory(engine)) as session:
        counts = upsert_products(session, records)
    assert counts.inserted == len(records)
    engine.dispose()

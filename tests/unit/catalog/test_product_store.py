"""upsert_products: idempotency, updates, manufacturer dedupe, identifier conflicts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from catalog.db import make_engine, migrate, session_factory
from catalog.models import Manufacturer, Product, ProductIdentifier
from catalog.product_store import (
    content_hash,
    manufacturer_key,
    part_key,
    upsert_products,
)
from catalog.records import Identifier, ProductRecord, Spec


@pytest.fixture()
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    migrate(engine)
    with session_factory(engine)() as s:
        yield s
    engine.dispose()


def rec(key: str, *, gtin: str = "", level: str = "primary", **kw: object) -> ProductRecord:
    ids = [Identifier(gtin, "gs1", level)] if gtin else []
    fields: dict[str, object] = {
        "manufacturer": "Acme Dental Inc.",
        "brand": "Acme",
        "mpn": f"ab-{key}/1",
        "specs": [Spec("Weight", "1", "g")],
        "identifiers": ids,
    }
    fields.update(kw)
    return ProductRecord("gudid", key, f"Product {key}", **fields)  # type: ignore[arg-type]


def count(session: Session, model: type[object]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_keys_and_hash() -> None:
    assert part_key("ab-12 / x.3") == "AB12X3"
    assert part_key(" -/ ") is None
    assert part_key(None) is None
    assert manufacturer_key("MCKESSON MEDICAL-SURGICAL INC.") == "mckesson medical surgical"
    assert manufacturer_key("McKesson Medical-Surgical Inc") == "mckesson medical surgical"
    assert manufacturer_key("Dentsply Sirona AB") == "dentsply sirona"
    assert manufacturer_key("Inc") == "inc"
    assert content_hash(rec("a")) == content_hash(rec("a"))
    assert content_hash(rec("a")) != content_hash(rec("a", brand="Other"))


def test_insert_then_idempotent_then_one_update(session: Session) -> None:
    records = [rec(str(i)) for i in range(5)]
    first = upsert_products(session, records, batch_size=2)
    session.commit()
    assert (first.inserted, first.updated, first.unchanged) == (5, 0, 0)
    assert len(first.changed_product_ids) == 5
    assert count(session, Product) == 5
    assert count(session, Manufacturer) == 1

    again = upsert_products(session, records, batch_size=2)
    session.commit()
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)
    assert again.changed_product_ids == []
    assert count(session, Product) == 5

    changed = [*records[:3], replace(records[3], name="Renamed"), records[4]]
    third = upsert_products(session, changed)
    session.commit()
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 4)
    product = session.scalars(select(Product).where(Product.source_key == "3")).one()
    assert third.changed_product_ids == [product.id]
    assert product.name == "Renamed"
    assert product.mpn_key == "AB31"
    assert product.specs == [{"name": "Weight", "value": "1", "unit": "g"}]
    assert count(session, Product) == 5


def test_manufacturers_deduplicated_and_identifiers_stored(session: Session) -> None:
    a = rec("a", gtin="00612479142572", manufacturer="MCKESSON MEDICAL-SURGICAL INC.", duns="1")
    b = rec("b", gtin="10609038997916", manufacturer="McKesson Medical-Surgical Inc")
    counts = upsert_products(session, [a, b])
    assert counts.errors == []
    assert count(session, Manufacturer) == 1
    mf = session.scalars(select(Manufacturer)).one()
    assert mf.name == "MCKESSON MEDICAL-SURGICAL INC."
    assert mf.duns == "1"
    product = session.scalars(select(Product).where(Product.source_key == "a")).one()
    assert product.primary_gtin == "00612479142572"
    assert product.manufacturer_id == mf.id
    assert product.extra == {"duns": "1"}
    assert [(i.value, i.level) for i in product.identifiers] == [("00612479142572", "primary")]


def test_identifier_conflict_is_decided_independent_of_order(session: Session) -> None:
    gtin = "00612479142572"
    package_claim = rec("a-pkg", gtin=gtin, level="package")
    primary_claim = rec("z-primary", gtin=gtin)
    first = upsert_products(session, [package_claim])
    assert first.errors == []
    # A later, better claim (primary beats package) takes the identifier over.
    second = upsert_products(session, [primary_claim])
    assert len(second.errors) == 1
    assert "kept gudid:z-primary" in second.errors[0]
    owner = session.scalars(
        select(Product.source_key)
        .join(ProductIdentifier, ProductIdentifier.product_id == Product.id)
        .where(ProductIdentifier.value == gtin)
    ).all()
    assert owner == ["z-primary"]
    # Same claims in one batch, reverse order: same winner; equal levels -> smaller key.
    for records in ([primary_claim, package_claim], [rec("b", gtin=gtin), rec("a", gtin=gtin)]):
        session.rollback()
        session.execute(delete(ProductIdentifier))
        session.execute(delete(Product))
        counts = upsert_products(session, records)
        winner = session.scalars(
            select(Product.source_key)
            .join(ProductIdentifier, ProductIdentifier.product_id == Product.id)
            .where(ProductIdentifier.value == gtin)
        ).one()
        assert winner == ("z-primary" if records[0] is primary_claim else "a")
        assert len(counts.errors) == 1
    assert count(session, ProductIdentifier) == 1


def test_duplicate_records_in_input_keep_the_last(session: Session) -> None:
    counts = upsert_products(session, [rec("a"), rec("a", brand="Second")])
    assert counts.inserted == 1
    assert counts.errors == ["gudid:a: duplicate record in input; last one kept"]
    assert session.scalars(select(Product.brand)).one() == "Second"

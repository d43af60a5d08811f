"""Test-data factories: a migrated database, retailers, products and feed files."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import make_engine, migrate, session_factory, transaction
from catalog.models import Product, ProductIdentifier, Retailer

ENGINES: list[Engine] = []  # disposed after each test by the autouse fixture in conftest


def migrated_factory(url: str) -> sessionmaker[Session]:
    engine = make_engine(url)
    ENGINES.append(engine)
    migrate(engine)
    return session_factory(engine)


def add_retailer(
    factory: sessionmaker[Session], slug: str = "tandab", name: str = "Tand AB"
) -> int:
    with transaction(factory) as session:
        r = Retailer(slug=slug, name=name)
        session.add(r)
        session.flush()
        return r.id


def add_product(
    factory: sessionmaker[Session],
    *,
    key: str,
    name: str,
    gtin: str | None = None,
    brand: str | None = None,
    mpn: str | None = None,
) -> int:
    with transaction(factory) as session:
        p = Product(
            source="test",
            source_key=key,
            name=name,
            brand=brand,
            mpn=mpn,
            mpn_key=(mpn or "").upper().replace("-", "") or None,
            primary_gtin=gtin,
            content_hash=key,
        )
        if gtin:
            p.identifiers.append(ProductIdentifier(scheme="gs1", value=gtin, level="primary"))
        session.add(p)
        session.flush()
        return p.id


def write_csv(
    path: Path, rows: list[list[str]], delimiter: str = ";", encoding: str = "utf-8"
) -> Path:
    text = "\n".join(delimiter.join(r) for r in rows) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


SWEDISH_HEADER = [
    "Artikelnummer",
    "Benämning",
    "Pris inkl. moms",
    "Lagerstatus",
    "EAN",
    "Tillverkare",
]


def swedish_feed(
    path: Path,
    n: int,
    *,
    start: int = 0,
    price: str = "199,00 kr",
    gtins: dict[int, str] | None = None,
) -> Path:
    rows = [SWEDISH_HEADER]
    for i in range(start, start + n):
        gtin = (gtins or {}).get(i, "")
        rows.append([f"SKU-{i}", f"Nitrilhandske storlek M {i}", price, "I lager", gtin, "Acme"])
    return write_csv(path, rows)

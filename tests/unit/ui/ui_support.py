"""A seeded Valbar for UI tests: catalog, retailers with signals, offers, users, a feed run.

Plain functions (no fixtures) so the unit tests and the browser tests share one seed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import hash_password
from catalog.db import transaction
from catalog.models import (
    FeedRun,
    Manufacturer,
    Offer,
    Organisation,
    Product,
    ProductIdentifier,
    Retailer,
    RetailerSignals,
    User,
)
from catalog.settings import Settings
from indexer.jobs import factory_for
from search.documents import build_documents
from search.registry import get_backend
from valbar.app import create_app

PASSWORD = "valbar-test-lösen"
EMAILS = {
    "clinic": "klinik@valbar.test",  # manager of clinic organisation A (Folktandvården)
    "clinic_buyer": "inkopare@valbar.test",  # buyer of clinic organisation A
    "clinic_other": "syd@valbar.test",  # manager of clinic organisation B
    "retailer": "handlare@valbar.test",  # representative of Nordisk Dentaldepå's organisation
    "retailer_staff": "personal@valbar.test",  # staff of Nordisk Dentaldepå's organisation
    "retailer2": "smilo@valbar.test",  # representative of Smilo's organisation
    "merchandiser": "merch@valbar.test",
    "admin": "admin@valbar.test",
}
# the active organisations and who belongs to them: name -> (kind, org number, the retailer's
# slug or None, {EMAILS key: org role})
ORGANISATIONS: dict[str, tuple[str, str, str | None, dict[str, str]]] = {
    "Nordisk Dentaldepå AB": (
        "retailer",
        "556010-1114",
        "nordisk-dentaldepa",
        {"retailer": "representative", "retailer_staff": "staff"},
    ),
    "Smilo Dentalhandel AB": ("retailer", "556020-2227", "smilo", {"retailer2": "representative"}),
    "Folktandvården": (
        "clinic",
        "802030-3338",
        None,
        {"clinic": "manager", "clinic_buyer": "buyer"},
    ),
    "Tandläkarhuset Syd": ("clinic", "802040-4441", None, {"clinic_other": "manager"}),
}

# what Nordisk Dentaldepå adds to its offer of the first product (feed columns Garanti,
# Service, Utbildning), besides a category every offer carries
RETAILER_TERMS = {
    "warranty": "3 års garanti hos oss",
    "service": "Serviceavtal med lånehandske",
    "training": "Kom-igång-utbildning ingår",
    "category": "Handskar",
}

# name, brand, category, gtin, specs
PRODUCTS: tuple[tuple[str, str, str, str, list[dict[str, Any]]], ...] = (
    (
        "Nitrilhandske blå storlek M",
        "Acme",
        "Handskar",
        "07312345678904",
        [
            {"name": "Storlek", "value": "M", "unit": None},
            {"name": "Material", "value": "Nitril", "unit": None},
        ],
    ),
    (
        "Nitrilhandske blå storlek L",
        "Acme",
        "Handskar",
        "07312345678911",
        [
            {"name": "Storlek", "value": "L", "unit": None},
            {"name": "Material", "value": "Nitril", "unit": None},
        ],
    ),
    (
        "Nitrilhandske svart storlek M",
        "Dentix",
        "Handskar",
        "07312345678928",
        [{"name": "Storlek", "value": "M", "unit": None}],
    ),
    (
        "Komposit A2 spruta 4 g",
        "Filtek",
        "Fyllningsmaterial",
        "07312345678935",
        [
            {"name": "Nyans", "value": "A2", "unit": None},
            {"name": "Vikt", "value": "4", "unit": "g"},
        ],
    ),
    (  # a GUDID record: its category is a GMDN term, its specs the importer's English
        "Munspegel plan storlek 4",
        "Acme",
        "Dental mirror, reusable",
        "07312345678942",
        [
            {"name": "Sterile", "value": "no", "unit": None},
            {"name": "MRI safety", "value": "MR Conditional", "unit": None},
            {"name": "Sterilization method", "value": "Moist Heat or Steam Sterilization"},
            {"name": "Length", "value": "12", "unit": "Millimeter"},
        ],
    ),
    (
        "Sugslang engångs 100 st",
        "Dentix",
        "Förbrukning",
        "07312345678959",
        [{"name": "Antal", "value": "100", "unit": "st"}],
    ),
)


@dataclass
class UiEnv:
    app: FastAPI
    settings: Settings
    products: dict[str, int] = field(default_factory=dict)
    retailers: dict[str, int] = field(default_factory=dict)


def ui_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url="",
        broker_url="",
        redis_url="",
        environment="test",
        # feed URLs on 127.0.0.1 (the role matrix's: port 9 is closed, a fetch fails at once)
        feed_fetch_allow_networks=["127.0.0.0/8"],
    )


# Lagerbolaget's further offers of the mirror (issue 13 item 4: one retailer, one row)
MORE_FROM_ONE = "Munspegel plan storlek 4"
MORE_OFFERS = (
    ("LAG-4-B", Decimal("115.00"), "in_stock"),
    ("LAG-4-C", Decimal("135.00"), "backorder"),
)
# what LAG-4-C (a 10-pack, its own name in the feed) adds: its retailer's warranty
MORE_OFFER_NAME = "Munspegel plan nr 4, 10-pack"
MORE_OFFER_TERMS = {"warranty": "5 års garanti på 10-pack"}


def seed(
    settings: Settings, *, more_from_one_retailer: bool = False
) -> tuple[dict[str, int], dict[str, int]]:
    """The UI seed; with ``more_from_one_retailer``, Lagerbolaget lists :data:`MORE_FROM_ONE`
    three times (its own row plus :data:`MORE_OFFERS`)."""
    factory = factory_for(settings)
    with transaction(factory) as s:
        good = Retailer(
            slug="nordisk-dentaldepa",
            name="Nordisk Dentaldepå AB",
            presentation="Vi levererar förbrukningsmaterial från vårt lager i Stockholm.\n\n"
            "Beställ före kl. 14 så skickar vi samma dag.",
            video_url="https://video.example/nordisk",
            website="https://nordisk.example",
        )
        cheap = Retailer(slug="lagerbolaget", name="Lagerbolaget Dental")
        fresh = Retailer(slug="smilo", name="Smilo Dentalhandel")
        s.add_all([good, cheap, fresh])
        s.flush()
        s.add(
            RetailerSignals(
                retailer_id=good.id,
                delivery_precision=0.97,
                delivery_count=148,
                stock_accuracy=0.95,
                stock_count=120,
                review_overall=4.7,
                review_count=62,
                treatment=4.6,
                treatment_count=40,
                feedback=4.5,
                feedback_count=38,
                rma=0.92,
                rma_count=17,
                competence=4.6,
                competence_count=30,
                source="manual",
            )
        )
        s.add(
            RetailerSignals(
                retailer_id=cheap.id,
                delivery_precision=0.58,
                delivery_count=90,
                stock_accuracy=0.6,
                stock_count=90,
                review_overall=2.4,
                review_count=25,
                treatment=2.2,
                treatment_count=20,
                feedback=2.0,
                feedback_count=18,
                rma=0.5,
                rma_count=9,
                competence=2.6,
                competence_count=12,
                source="manual",
            )
        )
        acme = Manufacturer(name="Acme Dental AB", name_key="acme dental ab")
        s.add(acme)
        s.flush()
        products: dict[str, int] = {}
        for i, (name, brand, category, gtin, specs) in enumerate(PRODUCTS):
            p = Product(
                source="test",
                source_key=f"p{i}",
                name=name,
                brand=brand,
                category=category,
                primary_gtin=gtin,
                mpn=f"MPN-{i}",
                manufacturer_id=acme.id,
                specs=specs,
                description=f"{name}. Tillverkarens beskrivning.",
                content_hash=f"p{i}",
            )
            p.identifiers.append(ProductIdentifier(scheme="gs1", value=gtin, level="primary"))
            s.add(p)
            s.flush()
            products[name] = p.id
            rows = [
                (good, Decimal(100 + 10 * i), "in_stock", 1),
                (cheap, Decimal(80 + 10 * i), "in_stock" if i % 2 else "limited", 6),
            ]
            if i < 3:
                rows.append((fresh, Decimal(95 + 10 * i), "backorder", 3))
            for retailer, price, stock, days in rows:
                s.add(
                    Offer(
                        retailer_id=retailer.id,
                        sku=f"{retailer.slug[:3].upper()}-{i}",
                        product_id=p.id,
                        raw_name=name,
                        price=price,
                        vat_included=True,
                        stock_status=stock,
                        delivery_days=days,
                        gtin=gtin,
                        url=f"https://{retailer.slug}.example/p/{i}",
                        content_hash=f"{retailer.slug}{i}",
                        retailer_metadata=dict(RETAILER_TERMS)
                        if retailer is good and i == 0
                        else {"category": category},
                    )
                )
        if more_from_one_retailer:
            for sku, price, stock in MORE_OFFERS:
                s.add(
                    Offer(
                        retailer_id=cheap.id,
                        sku=sku,
                        product_id=products[MORE_FROM_ONE],
                        raw_name=MORE_OFFER_NAME if sku == "LAG-4-C" else MORE_FROM_ONE,
                        price=price,
                        vat_included=True,
                        stock_status=stock,
                        delivery_days=6,
                        url=f"https://lagerbolaget.example/p/{sku}",
                        content_hash=sku,
                        retailer_metadata=dict(MORE_OFFER_TERMS) if sku == "LAG-4-C" else {},
                    )
                )
        hashed = hash_password(PASSWORD)
        s.add_all(
            [
                User(
                    email=EMAILS["clinic"],
                    name="Anna Lind",
                    clinic="Folktandvården",
                    role="clinic",
                    password_hash=hashed,
                ),
                User(
                    email=EMAILS["retailer"],
                    name="Erik Berg",
                    role="retailer",
                    retailer_id=good.id,
                    org_role="representative",
                    password_hash=hashed,
                ),
                User(
                    email=EMAILS["retailer_staff"],
                    name="Lina Ek",
                    role="retailer",
                    retailer_id=good.id,
                    org_role="staff",
                    password_hash=hashed,
                ),
                User(
                    email=EMAILS["retailer2"],
                    name="Maja Sund",
                    role="retailer",
                    retailer_id=fresh.id,
                    org_role="representative",
                    password_hash=hashed,
                ),
                User(
                    email=EMAILS["clinic_buyer"],
                    name="Bo Ek",
                    clinic="Folktandvården",
                    role="clinic",
                    password_hash=hashed,
                ),
                User(
                    email=EMAILS["clinic_other"],
                    name="Siv Dahl",
                    clinic="Tandläkarhuset Syd",
                    role="clinic",
                    password_hash=hashed,
                ),
                User(
                    email=EMAILS["merchandiser"],
                    name="Sara Holm",
                    role="merchandiser",
                    password_hash=hashed,
                ),
                User(
                    email=EMAILS["admin"], name="Admin Valbar", role="admin", password_hash=hashed
                ),
            ]
        )
        s.flush()
        _seed_organisations(s, {r.slug: r.id for r in (good, cheap, fresh)})
        s.add(
            FeedRun(
                retailer_id=good.id,
                file_name="lager-januari.csv",
                sha256="0" * 64,
                size_bytes=10,
                status="succeeded",
                progress=1.0,
                counts={"rows": 3, "valid": 2, "rejected": 1, "errors": 1, "warnings": 0},
                row_errors=[
                    {
                        "row": 3,
                        "field": "price",
                        "value": "gratis",
                        "message": "not a price",
                        "severity": "error",
                    }
                ],
            )
        )
        retailers = {r.slug: r.id for r in (good, cheap, fresh)}
    backend = get_backend(settings)
    try:
        with factory() as session:
            backend.reindex(build_documents(session))
    finally:
        backend.close()
    return products, retailers


def _seed_organisations(s: Session, retailers: dict[str, int]) -> None:
    """:data:`ORGANISATIONS`, active, with their members (seeded users) in them."""
    users = {u.email: u for u in s.scalars(select(User))}
    for name, (kind, number, slug, members) in ORGANISATIONS.items():
        org = Organisation(
            kind=kind,
            name=name,
            org_number=number,
            city="Stockholm",
            status="active",
            retailer_id=None if slug is None else retailers[slug],
            terms_version="2026-01",
        )
        s.add(org)
        s.flush()
        for key, org_role in members.items():
            user = users[EMAILS[key]]
            user.organisation_id, user.org_role = org.id, org_role


def build_ui_env(tmp_path: Path, *, more_from_one_retailer: bool = False) -> UiEnv:
    settings = ui_settings(tmp_path)
    products, retailers = seed(settings, more_from_one_retailer=more_from_one_retailer)
    app = create_app(settings, anonymous_rate_per_minute=100_000)
    return UiEnv(app, settings, products, retailers)


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def feed_bytes(rows: int = 4, bad_rows: int = 1) -> bytes:
    lines = ["Artikelnummer;Benämning;Pris inkl. moms;Lagerstatus;EAN"]
    for i in range(rows):
        lines.append(f"NY-{i};Nitrilhandske storlek M {i};199,00 kr;I lager;")
    for i in range(bad_rows):
        lines.append(f"BAD-{i};Trasig rad {i};inte ett pris;I lager;")
    return ("\n".join(lines) + "\n").encode("utf-8")


def odd_feed_bytes(rows: int = 3, bad_rows: int = 0) -> bytes:
    """A feed whose price column has a name nobody would guess: needs a manual mapping."""
    lines = ["Artikelnummer;Benämning;Kostnaden;Lagerstatus"]
    lines += [f"ODD-{i};Polerpasta grov {i};45,00;I lager" for i in range(rows)]
    lines += [f"ODDBAD-{i};Trasig {i};inte ett pris;I lager" for i in range(bad_rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def release_organisations(s: Session) -> None:
    """Undo the seed's organisations (members left without one), for a module that builds
    its own: an organisation's retailer is unique to it."""
    from sqlalchemy import delete, update

    s.execute(update(User).values(organisation_id=None, org_role=None))
    s.execute(delete(Organisation))
    s.flush()

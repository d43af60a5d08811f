"""The demo: a real dental catalog (GUDID-derived, shipped in data/demo), ~20 Swedish retailers
with generated assortments in several file formats (some with errors to show), quality signals,
users for every role, and a built search index.

Everything is deterministic (seeded) and idempotent: running it again changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import transaction
from catalog.models import Product, ProductIdentifier, Retailer, User
from catalog.settings import PROJECT_ROOT, Settings
from indexer.catalog_service import import_catalog
from indexer.feed_runner import run_feed_run
from indexer.pipeline import FeedOptions, submit_feed
from valbar.demo_history import ensure_history
from valbar.demo_loyalty import ensure_loyalty
from valbar.demo_orgs import ensure_organisations

DEMO_DIR = PROJECT_ROOT / "data" / "demo"
DEMO_PASSWORD = "valbar-demo"


@dataclass(frozen=True)
class DemoRetailer:
    slug: str
    name: str
    city: str
    fmt: str  # csv_sv | csv_en | xlsx | json | google_rss
    ids: str  # gtin | mpn | name : what identifiers the retailer sends
    quality: float  # 0..1, drives the seeded signals
    price_level: float  # multiplier on the base price
    share: float  # share of the catalog carried
    errors: int = 0  # rows with deliberate mistakes


RETAILERS: tuple[DemoRetailer, ...] = (
    DemoRetailer(
        "nordisk-dentaldepa",
        "Nordisk Dentaldepå AB",
        "Stockholm",
        "csv_sv",
        "gtin",
        0.95,
        1.06,
        0.55,
    ),
    DemoRetailer(
        "tandvardsgrossisten",
        "Tandvårdsgrossisten i Göteborg",
        "Göteborg",
        "xlsx",
        "gtin",
        0.88,
        1.00,
        0.45,
    ),
    DemoRetailer(
        "dentalmagasinet",
        "Dentalmagasinet Malmö",
        "Malmö",
        "csv_sv",
        "mpn",
        0.80,
        0.97,
        0.40,
        errors=6,
    ),
    DemoRetailer(
        "klinikforradet", "Klinikförrådet Sverige AB", "Uppsala", "json", "gtin", 0.90, 1.02, 0.35
    ),
    DemoRetailer(
        "norrlands-dental", "Norrlands Dental", "Umeå", "csv_sv", "name", 0.72, 1.04, 0.25, errors=4
    ),
    DemoRetailer(
        "svea-tandvard", "Svea Tandvårdsprodukter", "Örebro", "google_rss", "gtin", 0.84, 0.99, 0.30
    ),
    DemoRetailer(
        "malardalens-dental",
        "Mälardalens Dentalhandel",
        "Västerås",
        "csv_en",
        "mpn",
        0.78,
        0.95,
        0.30,
    ),
    DemoRetailer(
        "skandinavisk-klinik",
        "Skandinavisk Klinikhandel",
        "Helsingborg",
        "xlsx",
        "gtin",
        0.66,
        0.90,
        0.40,
    ),
    DemoRetailer(
        "oresund-dental", "Öresund Dental Supply", "Lund", "csv_en", "gtin", 0.86, 1.01, 0.30
    ),
    DemoRetailer(
        "dentalhuset", "Dentalhuset Linköping", "Linköping", "json", "mpn", 0.82, 1.03, 0.25
    ),
    DemoRetailer(
        "vastkustens",
        "Västkustens Klinikvaror",
        "Halmstad",
        "csv_sv",
        "gtin",
        0.58,
        0.86,
        0.35,
        errors=8,
    ),
    DemoRetailer(
        "lagerbolaget", "Lagerbolaget Dental", "Jönköping", "csv_sv", "gtin", 0.45, 0.82, 0.45
    ),
    DemoRetailer(
        "fjallens", "Fjällens Dentalförsörjning", "Östersund", "google_rss", "mpn", 0.75, 1.08, 0.20
    ),
    DemoRetailer(
        "kustens-klinik", "Kustens Klinikvaror", "Kalmar", "csv_en", "name", 0.70, 0.98, 0.20
    ),
    DemoRetailer("smilo", "Smilo Dentalhandel", "Sundsvall", "xlsx", "gtin", 0.92, 1.10, 0.25),
    DemoRetailer("tandex", "Tandex Nordic", "Karlstad", "json", "gtin", 0.62, 0.92, 0.30, errors=3),
    DemoRetailer("dentina", "Dentina Grossist", "Gävle", "csv_sv", "mpn", 0.76, 0.96, 0.30),
    DemoRetailer("praktikdepan", "Praktikdepån AB", "Borås", "csv_en", "gtin", 0.83, 1.00, 0.25),
    DemoRetailer("mediklin", "Mediklin Tandvård", "Norrköping", "csv_sv", "gtin", 0.68, 0.94, 0.30),
    DemoRetailer("vita-dental", "Vita Dentalservice", "Visby", "csv_sv", "name", 0.87, 1.05, 0.15),
)

DEMO_USERS = (
    ("klinik@valbar.test", "Anna Lind", "Folktandvården Demo", "clinic", None),
    ("handlare@valbar.test", "Erik Berg", None, "retailer", "nordisk-dentaldepa"),
    ("merch@valbar.test", "Sara Holm", None, "merchandiser", None),
    ("admin@valbar.test", "Admin Valbar", None, "admin", None),
)

STOCK_SV = [
    "I lager",
    "I lager",
    "I lager",
    "Få kvar",
    "Beställningsvara",
    "Slut i lager",
    "3-5 dagar",
    "Leveranstid 2 veckor",
]
STOCK_EN = ["in stock", "in stock", "in stock", "limited", "backorder", "out of stock"]


def _rng(*parts: object) -> random.Random:
    seed = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    return random.Random(int(seed[:16], 16))


def base_price(product_id: int) -> Decimal:
    r = _rng("price", product_id)
    return Decimal(str(round(r.lognormvariate(5.3, 1.0), 0))) + Decimal("0.00")


def demo_catalog_file() -> Path:
    files = sorted(p for p in DEMO_DIR.iterdir() if p.is_file() and not p.name.endswith(".md"))
    if not files:
        raise FileNotFoundError(f"no demo catalog file in {DEMO_DIR}")
    return files[0]


def ensure_catalog(
    factory: sessionmaker[Session], settings: Settings, say: Callable[[str], None]
) -> int:
    with factory() as s:
        count = s.scalar(select(func.count(Product.id))) or 0
    if count == 0:
        report = import_catalog(factory, settings, demo_catalog_file(), reindex=False)
        say(f"katalog importerad: {report['counts']}")
        with factory() as s:
            count = s.scalar(select(func.count(Product.id))) or 0
    return int(count)


def ensure_retailers_and_users(
    factory: sessionmaker[Session],
    password_hash: str,
    retailers: tuple[DemoRetailer, ...] = RETAILERS,
) -> None:
    """Retailers with presentations and one user per role. Their quality signals are not
    seeded: ``valbar.demo_history`` computes them from the generated order history."""
    with transaction(factory) as s:
        for d in retailers:
            r = s.scalar(select(Retailer).where(Retailer.slug == d.slug))
            if r is None:
                r = Retailer(slug=d.slug, name=d.name)
                s.add(r)
                s.flush()
            r.presentation = (
                f"{d.name} levererar förbrukningsmaterial och instrument till kliniker från "
                f"vårt lager i {d.city}. Beställ före kl. 14 så skickar vi samma dag."
            )
            # contact and delivery terms, as a representative fills them in the portal
            # (kept when edited there)
            if r.profile_updated_at is None:
                r.contact_email = f"order@{d.slug}.example"
                r.delivery_days = 1 if d.quality >= 0.8 else 3
                r.free_shipping_from = Decimal(1000 + int(1000 * (1 - d.quality)) // 100 * 100)
                r.return_terms = "Oöppnade förpackningar kan returneras inom 30 dagar."
        for email, name, clinic, role, slug in DEMO_USERS:
            if s.scalar(select(User).where(User.email == email)) is None:
                rid = None
                if slug:
                    rid = s.scalar(select(Retailer.id).where(Retailer.slug == slug))
                s.add(
                    User(
                        email=email,
                        name=name,
                        clinic=clinic,
                        role=role,
                        retailer_id=rid,
                        password_hash=password_hash,
                    )
                )


def _products(
    factory: sessionmaker[Session],
) -> list[tuple[int, str, str | None, str | None, str | None]]:
    with factory() as s:
        gtins = dict(
            s.execute(
                select(ProductIdentifier.product_id, ProductIdentifier.value).where(
                    ProductIdentifier.level == "primary", ProductIdentifier.scheme == "gs1"
                )
            ).all()
        )
        rows = s.execute(
            select(Product.id, Product.name, Product.brand, Product.mpn).order_by(Product.id)
        ).all()
    return [(pid, name, brand, mpn, gtins.get(pid)) for pid, name, brand, mpn in rows]


def _offer_rows(
    d: DemoRetailer, products: list[tuple[int, str, str | None, str | None, str | None]]
) -> list[dict[str, Any]]:
    r = _rng("assortment", d.slug)
    rows: list[dict[str, Any]] = []
    for pid, name, brand, mpn, gtin in products:
        if r.random() > d.share:
            continue
        price = (
            base_price(pid)
            * Decimal(str(d.price_level))
            * Decimal(str(round(r.uniform(0.93, 1.07), 3)))
        ).quantize(Decimal("0.01"))
        sv = d.fmt in ("csv_sv", "xlsx")
        stock = r.choice(STOCK_SV if sv else STOCK_EN)
        if r.random() > d.quality + 0.1:
            stock = "Slut i lager" if sv else "out of stock"
        row = {
            "sku": f"{d.slug[:3].upper()}-{pid:05d}",
            "name": name,
            "price": price,
            "stock": stock,
            "gtin": "",
            "mpn": "",
            "brand": brand or "",
            "delivery": str(r.choice([1, 1, 2, 2, 3, 5]) + (0 if d.quality > 0.7 else 2)),
        }
        if d.ids == "gtin" and gtin:
            row["gtin"] = gtin.lstrip("0") if len(gtin.lstrip("0")) >= 12 else gtin
        elif d.ids == "mpn":
            row["mpn"] = mpn or ""
        rows.append(row)
    for i in range(min(d.errors, len(rows))):
        bad = rows[(i * 7919) % len(rows)]
        kind = i % 4
        if kind == 0:
            bad["price"] = "Pris på förfrågan"
        elif kind == 1:
            bad["gtin"] = "7.31E+12"
        elif kind == 2:
            bad["sku"] = ""
        else:
            bad["stock"] = "kanske?"
    return rows


def _fmt_price(price: object, swedish: bool) -> str:
    if not isinstance(price, Decimal):
        return str(price)
    if swedish:
        whole, frac = f"{price:.2f}".split(".")
        groups = f"{int(whole):,}".replace(",", " ")
        return f"{groups},{frac} kr"
    return f"{price:.2f}"


def write_feed(d: DemoRetailer, rows: list[dict[str, Any]], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if d.fmt == "csv_sv":
        path = folder / f"{d.slug}.csv"
        with path.open("w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh, delimiter=";")
            w.writerow(
                [
                    "Artikelnummer",
                    "Benämning",
                    "Pris inkl. moms",
                    "Lagerstatus",
                    "Leveranstid (dagar)",
                    "EAN",
                    "Tillverkarens art.nr",
                    "Varumärke",
                ]
            )
            for x in rows:
                w.writerow(
                    [
                        x["sku"],
                        x["name"],
                        _fmt_price(x["price"], True),
                        x["stock"],
                        x["delivery"],
                        x["gtin"],
                        x["mpn"],
                        x["brand"],
                    ]
                )
    elif d.fmt == "csv_en":
        path = folder / f"{d.slug}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(
                [
                    "SKU",
                    "Product name",
                    "Price (SEK)",
                    "Availability",
                    "Delivery days",
                    "GTIN",
                    "MPN",
                    "Brand",
                ]
            )
            for x in rows:
                w.writerow(
                    [
                        x["sku"],
                        x["name"],
                        _fmt_price(x["price"], False),
                        x["stock"],
                        x["delivery"],
                        x["gtin"],
                        x["mpn"],
                        x["brand"],
                    ]
                )
    elif d.fmt == "xlsx":
        from openpyxl import Workbook

        path = folder / f"{d.slug}.xlsx"
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.append(
            ["Art.nr", "Produktnamn", "Pris", "Lagersaldo", "Leveranstid", "EAN", "Tillverkare"]
        )
        for x in rows:
            qty = {"I lager": 25, "Få kvar": 2, "Slut i lager": 0}.get(x["stock"], 0)
            price = x["price"]
            ws.append(
                [
                    x["sku"],
                    x["name"],
                    float(price) if isinstance(price, Decimal) else str(price),
                    qty,
                    f"{x['delivery']} dagar",
                    x["gtin"],
                    x["brand"],
                ]
            )
        wb.save(path)
    elif d.fmt == "json":
        path = folder / f"{d.slug}.json"
        records = [
            {
                "sku": x["sku"],
                "title": x["name"],
                "price": _fmt_price(x["price"], False),
                "currency": "SEK",
                "availability": x["stock"],
                "delivery_days": x["delivery"],
                "gtin": x["gtin"],
                "mpn": x["mpn"],
                "brand": x["brand"],
            }
            for x in rows
        ]
        path.write_text(json.dumps({"products": records}, ensure_ascii=False, indent=1))
    else:
        path = folder / f"{d.slug}.xml"
        items: list[str] = []
        for x in rows:
            items.append(
                "<item>"
                f"<g:id>{escape(x['sku'])}</g:id><title>{escape(x['name'])}</title>"
                f"<g:price>{_fmt_price(x['price'], False)} SEK</g:price>"
                f"<g:availability>{escape(x['stock'].replace(' ', '_'))}</g:availability>"
                f"<g:gtin>{x['gtin']}</g:gtin><g:mpn>{escape(x['mpn'])}</g:mpn>"
                f"<g:brand>{escape(x['brand'])}</g:brand></item>"
            )
        path.write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:g="http://base.google.com/ns/1.0"><channel><title>'
            f"{escape(d.name)}</title>" + "".join(items) + "</channel></rss>\n",
            encoding="utf-8",
        )
    return path


def seed_feeds(
    factory: sessionmaker[Session],
    settings: Settings,
    say: Callable[[str], None] = print,
    retailers: tuple[DemoRetailer, ...] = RETAILERS,
) -> int:
    """One feed per demo retailer, written and run as an upload is (``indexer.feed_runner``:
    the run, then the search index, then its events); returns the valid offers."""
    products = _products(factory)
    feeds_dir = settings.data_dir / "demo-feeds"
    offers = 0
    for d in retailers:
        path = write_feed(d, _offer_rows(d, products), feeds_dir)
        run_id = submit_feed(factory, settings, path, d.slug, FeedOptions())
        result = run_feed_run(settings, factory, run_id).result
        offers += int(str(result.counts.get("valid", 0)))
        say(
            f"  {d.name:34} {path.suffix:6} {result.status or '-':9} "
            f"rader={result.counts.get('rows')} fel={result.counts.get('rejected')}"
        )
    return offers


def build_demo(
    factory: sessionmaker[Session], settings: Settings, say: Callable[[str], None] = print
) -> dict[str, int]:
    """Catalog, retailers, users, feeds, marketplace history, organisations and their
    members (with one pending sign-up), the loyalty programme and its history, index.
    Idempotent."""
    from api.auth import hash_password

    password_hash = hash_password(DEMO_PASSWORD)
    count = ensure_catalog(factory, settings, say)
    ensure_retailers_and_users(factory, password_hash)
    offers = seed_feeds(factory, settings, say)
    ensure_history(
        factory,
        {d.slug: d.quality for d in RETAILERS},
        password_hash,
        say,
        demo_retailer="nordisk-dentaldepa",
        demo_clinic="klinik@valbar.test",
    )
    ensure_organisations(factory, password_hash, [d.slug for d in RETAILERS], say)
    ensure_loyalty(factory, password_hash, say)
    from indexer.outbox import rebuild_index

    # under the index lock; clears the outbox rows the catalog import and feeds wrote
    indexed = int(rebuild_index(settings, factory=factory)["indexed"])
    say(f"sökindex byggt: {indexed} produkter")
    return {"products": count, "offers": offers, "indexed": indexed}

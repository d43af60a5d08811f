"""Search documents: one per product, its active offers collapsed into aggregates.

``build_documents`` streams them out of the catalog in batches (a handful of batched
queries per ``batch_size`` products, never one query per product).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, select
from sqlalchemy.orm import Session

from catalog.enums import StockStatus
from catalog.gtin import gtin14
from catalog.listing import listed_seller
from catalog.models import Manufacturer, Offer, Product, ProductIdentifier, Retailer
from ranking.price_basis import is_buyable
from search.analysis.identifiers import normalize_key
from search.prices import NO_RATES, RateTable, comparable_price

VAT_FACTOR = Decimal("1.25")
_UNKNOWN = StockStatus.UNKNOWN.value  # enum attribute access is slow in hot loops
AVAILABLE_STATUSES = frozenset({StockStatus.IN_STOCK.value, StockStatus.LIMITED.value})


class StoredOffer(NamedTuple):
    """What ranking needs of one active offer, stored in the index (no DB at query time).

    A named tuple of plain values: caches of many of them cost the garbage collector
    nothing (CPython stops tracking tuples that hold only atomic values).
    """

    offer_id: int
    retailer_id: int
    retailer_slug: str
    price: Decimal | None
    vat_included: bool | None
    currency: str
    stock_status: str
    delivery_days: int | None

    def comparable_price(self, rates: RateTable) -> Decimal | None:
        """The price including 25 % VAT, so VAT-excluded and VAT-included prices compare;
        a price in another currency by its SEK equivalent when ``rates`` has the currency,
        else None (never compared: ``search.prices``)."""
        price = comparable_price(self.price, self.currency, rates)
        if price is None:
            return None
        return price * VAT_FACTOR if self.vat_included is False else price

    def to_json(self) -> dict[str, Any]:
        return {
            "offer_id": self.offer_id,
            "retailer_id": self.retailer_id,
            "retailer": self.retailer_slug,
            "price": None if self.price is None else str(self.price),
            "vat_included": self.vat_included,
            "currency": self.currency,
            "stock_status": self.stock_status,
            "delivery_days": self.delivery_days,
        }

    def to_row(self) -> list[Any]:
        """The compact stored form: the fields in order, the price as a decimal string."""
        price = self.price
        return [
            self.offer_id,
            self.retailer_id,
            self.retailer_slug,
            None if price is None else str(price),
            self.vat_included,
            self.currency,
            self.stock_status,
            self.delivery_days,
        ]

    @staticmethod
    def row_from_json(row: list[Any]) -> tuple[Any, ...]:
        """Inverse of :meth:`to_row`, as a plain tuple in field order (values are trusted:
        this code wrote them)."""
        offer_id, retailer_id, slug, price, vat, currency, status, delivery = row
        return (
            offer_id,
            retailer_id,
            slug,
            None if price is None else Decimal(price),
            vat,
            currency,
            status or _UNKNOWN,
            delivery,
        )

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> StoredOffer:
        price = raw.get("price")
        delivery = raw.get("delivery_days")
        vat = raw.get("vat_included")
        return cls(
            offer_id=int(raw["offer_id"]),
            retailer_id=int(raw["retailer_id"]),
            retailer_slug=str(raw.get("retailer", "")),
            price=None if price is None else Decimal(str(price)),
            vat_included=None if vat is None else bool(vat),
            currency=str(raw.get("currency", "SEK")),
            stock_status=str(raw.get("stock_status") or _UNKNOWN),
            delivery_days=None if delivery is None else int(delivery),
        )


def buyable_delivery_days(offers: Iterable[StoredOffer]) -> int | None:
    """The fewest promised delivery days of the buyable offers (in stock, or on backorder
    with a date: ``ranking.price_basis.is_buyable``); an out-of-stock offer's promise never
    counts. None when no buyable offer promises a time."""
    days = [
        d for o in offers if (d := o.delivery_days) is not None and is_buyable(o.stock_status, d)
    ]
    return min(days) if days else None


@dataclass(frozen=True, slots=True)
class ProductDocument:
    """One product as the search engine sees it (backend-neutral)."""

    product_id: int
    name: str
    brand: str | None = None
    manufacturer: str | None = None
    category: str | None = None
    description: str | None = None
    specs_text: str = ""
    gtins: tuple[str, ...] = ()
    mpn: str | None = None
    catalog_number: str | None = None
    skus: tuple[str, ...] = ()
    offers: tuple[StoredOffer, ...] = ()
    primary_gtin: str | None = None
    # the rates its offers in other currencies are compared by (``search.prices``)
    rates: RateTable = NO_RATES

    @property
    def offers_count(self) -> int:
        return len(self.offers)

    @property
    def has_offers(self) -> bool:
        return bool(self.offers)

    @property
    def min_price(self) -> Decimal | None:
        prices = [p for o in self.offers if (p := o.comparable_price(self.rates)) is not None]
        return min(prices) if prices else None

    @property
    def max_price(self) -> Decimal | None:
        prices = [p for o in self.offers if (p := o.comparable_price(self.rates)) is not None]
        return max(prices) if prices else None

    @property
    def in_stock(self) -> bool:
        return any(o.stock_status in AVAILABLE_STATUSES for o in self.offers)

    @property
    def delivery_days(self) -> int | None:
        """The fastest delivery a clinic can order: of the buyable offers only (the indexed
        ``delivery`` field behind the delivery sort, filter and facet)."""
        return buyable_delivery_days(self.offers)

    @property
    def retailer_slugs(self) -> tuple[str, ...]:
        return tuple(sorted({o.retailer_slug for o in self.offers}))

    def identifier_keys(self) -> tuple[str, ...]:
        """Every exact-match key of the product: GTIN-14s, MPN/catalog keys, retailer SKUs."""
        keys: set[str] = set()
        for gtin in self.gtins:
            padded = gtin14(gtin)
            if padded:
                keys.add(padded)
        for raw in (self.mpn, self.catalog_number, *self.skus):
            key = normalize_key(raw) if raw else ""
            if key:
                keys.add(key)
        return tuple(sorted(keys))

    def stored(self) -> StoredProduct:
        return StoredProduct(
            product_id=self.product_id,
            name=self.name,
            gtin=self.primary_gtin or (self.gtins[0] if self.gtins else None),
            brand=self.brand,
            manufacturer=self.manufacturer,
            category=self.category,
            offers=self.offers,
        )


class StoredProduct:
    """The stored part of a document: enough to show and rank a hit without the database.

    Offers are kept as plain tuples (which CPython's garbage collector stops tracking), so a
    large in-memory cache of stored products does not lengthen collection pauses.
    """

    __slots__ = ("_rows", "brand", "category", "gtin", "manufacturer", "name", "product_id")

    def __init__(
        self,
        product_id: int,
        name: str,
        gtin: str | None = None,
        brand: str | None = None,
        manufacturer: str | None = None,
        category: str | None = None,
        offers: Iterable[StoredOffer | tuple[Any, ...]] = (),
    ) -> None:
        self.product_id = product_id
        self.name = name
        self.gtin = gtin
        self.brand = brand
        self.manufacturer = manufacturer
        self.category = category
        # plain tuples: the collector untracks exact tuples of atomic values, never the
        # named tuple subclass, so a cache of a million StoredOffers would stay tracked
        self._rows: tuple[tuple[Any, ...], ...] = tuple(tuple(o) for o in offers)

    @property
    def offers(self) -> tuple[StoredOffer, ...]:
        return tuple(StoredOffer._make(row) for row in self._rows)

    @property
    def offer_rows(self) -> tuple[tuple[Any, ...], ...]:
        """The offers as plain tuples in :class:`StoredOffer` field order (no copies made)."""
        return self._rows

    @property
    def offer_key(self) -> tuple[tuple[Any, ...], ...]:
        """The offers as a hashable value (for memoizing per-offer-set computations)."""
        return self._rows

    @property
    def offers_count(self) -> int:
        return len(self._rows)

    @property
    def retailer_slugs(self) -> tuple[str, ...]:
        return tuple(sorted({row[2] for row in self._rows}))

    @property
    def retailers_count(self) -> int:
        """The places the product's offers take in a comparison: one per retailer, however
        many offers a retailer has (``ranking.retailer_rows``)."""
        return len({row[1] for row in self._rows})

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StoredProduct):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"StoredProduct(product_id={self.product_id}, name={self.name!r})"

    def _fields(self) -> tuple[object, ...]:
        return (
            self.product_id,
            self.name,
            self.gtin,
            self.brand,
            self.manufacturer,
            self.category,
            self._rows,
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "product_id": self.product_id,
                "name": self.name,
                "gtin": self.gtin,
                "brand": self.brand,
                "manufacturer": self.manufacturer,
                "category": self.category,
                "offers": [StoredOffer._make(row).to_row() for row in self._rows],
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> StoredProduct:
        raw = json.loads(text)
        return cls(
            product_id=int(raw["product_id"]),
            name=str(raw["name"]),
            gtin=raw.get("gtin"),
            brand=raw.get("brand"),
            manufacturer=raw.get("manufacturer"),
            category=raw.get("category"),
            offers=[
                StoredOffer.row_from_json(o) if isinstance(o, list) else StoredOffer.from_json(o)
                for o in raw.get("offers", [])
            ],
        )


def specs_to_text(specs: Sequence[Any]) -> str:
    """Flatten ``[{name, value, unit}]`` into searchable text."""
    parts: list[str] = []
    for spec in specs:
        if not isinstance(spec, dict):
            continue
        value = spec.get("value")
        if value in (None, ""):
            continue
        unit = spec.get("unit") or ""
        parts.append(f"{spec.get('name') or ''} {value} {unit}".strip())
    return " ; ".join(parts)


_PRODUCT_COLUMNS = (
    Product.id,
    Product.name,
    Product.brand,
    Manufacturer.name,
    Product.category,
    Product.description,
    Product.specs,
    Product.primary_gtin,
    Product.mpn,
    Product.catalog_number,
)


def _product_batches(
    connection: Connection, product_ids: Iterable[int] | None, batch_size: int
) -> Iterator[tuple[Sequence[Any], Callable[[Any], ColumnElement[bool]]]]:
    """Product rows in id order, a batch at a time, each with the predicate that selects the
    batch's products in another table by its product id column.

    Without ``product_ids`` the catalog is read by keyset pagination (constant cost per batch
    at any depth); every product with an id in the batch's range is in the batch, so the
    other tables are read by that id range, which needs no bound parameter per id.
    """
    products = select(*_PRODUCT_COLUMNS).outerjoin(
        Manufacturer, Manufacturer.id == Product.manufacturer_id
    )
    if product_ids is not None:
        wanted = sorted(set(product_ids))
        for start in range(0, len(wanted), batch_size):
            ids = wanted[start : start + batch_size]
            rows = connection.execute(
                products.where(Product.id.in_(ids)).order_by(Product.id)
            ).all()
            yield rows, partial(_in, ids=ids)
        return
    last = 0
    while True:
        rows = connection.execute(
            products.where(Product.id > last).order_by(Product.id).limit(batch_size)
        ).all()
        if not rows:
            return
        first, last = rows[0][0], rows[-1][0]
        yield rows, partial(_between, first=first, last=last)


def _in(column: Any, ids: list[int]) -> ColumnElement[bool]:
    predicate: ColumnElement[bool] = column.in_(ids)
    return predicate


def _between(column: Any, first: int, last: int) -> ColumnElement[bool]:
    predicate: ColumnElement[bool] = column.between(first, last)
    return predicate


def build_documents(
    session: Session,
    product_ids: Iterable[int] | None = None,
    batch_size: int = 2000,
    *,
    rates: RateTable = NO_RATES,
) -> Iterator[ProductDocument]:
    """Stream one document per product (all products, or only ``product_ids``).

    ``rates``: the configured currency rates (``search.prices.rate_table``): offers in a
    currency with a rate are priced, sorted and filtered by their SEK equivalent.

    Three batched queries per batch: products (+ manufacturer), identifiers, active offers
    (+ retailer slug), as plain rows (no ORM objects). Withdrawn offers are left out, and so
    are those of a retailer whose organisation is not active (``catalog.listing``);
    unmatched offers belong to no product. Ids that do not exist are skipped (the caller
    deletes them from the index).
    """
    connection = session.connection()
    for products, of_batch in _product_batches(connection, product_ids, batch_size):
        gtins: dict[int, list[str]] = defaultdict(list)
        for pid, value in connection.execute(
            select(ProductIdentifier.product_id, ProductIdentifier.value)
            .where(of_batch(ProductIdentifier.product_id), ProductIdentifier.scheme == "gs1")
            .order_by(ProductIdentifier.id)
        ):
            gtins[pid].append(value)
        offers: dict[int, list[StoredOffer]] = defaultdict(list)
        skus: dict[int, list[str]] = defaultdict(list)
        for owner, *offer, sku in connection.execute(
            select(
                Offer.product_id,
                Offer.id,
                Offer.retailer_id,
                Retailer.slug,
                Offer.price,
                Offer.vat_included,
                Offer.currency,
                Offer.stock_status,
                Offer.delivery_days,
                Offer.sku,
            )
            .join(Retailer, Retailer.id == Offer.retailer_id)
            .where(
                of_batch(Offer.product_id),
                Offer.withdrawn_at.is_(None),
                listed_seller(Offer.retailer_id),
            )
            .order_by(Offer.id)
        ):
            if owner is None:  # excluded by the filter; keeps the type checker honest
                continue
            offers[owner].append(StoredOffer._make(offer))
            skus[owner].append(sku)
        for (
            pid,
            name,
            brand,
            manufacturer,
            category,
            description,
            specs,
            primary_gtin,
            mpn,
            catalog_number,
        ) in products:
            all_gtins = list(
                dict.fromkeys([*([primary_gtin] if primary_gtin else []), *gtins[pid]])
            )
            yield ProductDocument(
                product_id=pid,
                name=name,
                brand=brand,
                manufacturer=manufacturer,
                category=category,
                description=description,
                specs_text=specs_to_text(specs or []),
                gtins=tuple(all_gtins),
                mpn=mpn,
                catalog_number=catalog_number,
                skus=tuple(dict.fromkeys(skus[pid])),
                offers=tuple(offers[pid]),
                primary_gtin=primary_gtin,
                rates=rates,
            )

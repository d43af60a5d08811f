"""Plain records that readers produce and storage consumes (no database types here)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Spec:
    name: str
    value: str
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class Identifier:
    """A device identifier at one packaging level (GS1 DI / GTIN, HIBCC, ...)."""

    value: str
    scheme: str = "gs1"  # gs1 | hibcc | iccbba | other
    level: str = "primary"  # primary | package | unit_of_use | ...
    pkg_quantity: int | None = None
    contains: str | None = None  # the identifier this package contains


@dataclass(slots=True)
class ProductRecord:
    """One manufacturer product as read from a catalog file (GUDID, BMEcat, Icecat, CSV)."""

    source: str  # gudid | bmecat | icecat | csv
    source_key: str  # stable key within the source (GUDID record key, BMEcat SUPPLIER_AID, ...)
    name: str
    manufacturer: str | None = None
    brand: str | None = None
    mpn: str | None = None  # version / model number, MANUFACTURER_AID
    catalog_number: str | None = None
    description: str | None = None
    category: str | None = None  # GMDN preferred term or catalog group
    category_code: str | None = None
    identifiers: list[Identifier] = field(default_factory=list)
    specs: list[Spec] = field(default_factory=list)
    image_urls: list[str] = field(default_factory=list)
    duns: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def primary_gtin(self) -> str | None:
        for ident in self.identifiers:
            if ident.scheme == "gs1" and ident.level == "primary":
                return ident.value
        for ident in self.identifiers:
            if ident.scheme == "gs1":
                return ident.value
        return None

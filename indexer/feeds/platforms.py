"""Shop-platform specifics over delimited rows: Shopify, Magento 2, PrestaShop, WooCommerce,
Google Merchant TSV.

Each ``apply_*`` takes the headers and raw rows of a delimited file and returns a
`PlatformRows`: possibly extended headers, a lazy row stream reshaped into one row per
offer, and ``known_mapping`` (canonical field -> header). Decisions worth knowing:

* Shopify: a product spans rows sharing a Handle; variant rows inherit the product's
  non-variant cells (Title, Vendor...). A row with no variant data (an extra image row) is
  not an offer. A variant without SKU gets ``handle:option1/option2`` and
  ``SKU generated = 1``. ``Variant Name`` is Title plus the option values.
* Magento 2: rows with a ``store_view_code`` only translate texts for one store view; the
  default-scope row carries price and stock, so store-view rows are skipped (counted in
  notes). ``configurable``/``grouped`` parents are skipped: their simple children are the
  offers. ``additional_attributes`` ``k=v,k2=v2`` become extra cells ``attr:k``.
* WooCommerce CSV: ``variable``/``grouped`` parents without a price are not offers;
  variations inherit empty descriptive cells from their parent (by Parent SKU or
  ``id:N``). ``Effective price`` = Sale price when set, else Regular price (sale dates are
  not evaluated here).
* PrestaShop: prices are tax excluded (``price`` and ``price_excl_vat`` map to the same
  column); a trailing ``;`` is handled by the CSV reader.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from indexer.errors import FeedFormatError
from indexer.messages import Message
from indexer.records import RawRow


@dataclass(slots=True)
class PlatformRows:
    headers: list[str]
    rows: Iterator[RawRow]
    known_mapping: dict[str, str]
    notes: list[str] = field(default_factory=list)


def present_mapping(candidates: dict[str, tuple[str, ...]], headers: list[str]) -> dict[str, str]:
    """Map each canonical field to the first of its candidate headers present in ``headers``."""
    have = set(headers)
    out: dict[str, str] = {}
    for canonical, names in candidates.items():
        for name in names:
            if name in have:
                out[canonical] = name
                break
    return out


def _require(headers: list[str], needed: tuple[str, ...], platform: str, file: str) -> None:
    missing = [h for h in needed if h not in headers]
    if missing:
        raise FeedFormatError(
            Message("file.platform_columns", platform=platform, columns=", ".join(missing)),
            file=file,
        )


# --- Shopify ---------------------------------------------------------------------------

_SHOPIFY_OPTIONS = ("Option1 Value", "Option2 Value", "Option3 Value")
_SHOPIFY_MAPPING: dict[str, tuple[str, ...]] = {
    "sku": ("Variant SKU",),
    "name": ("Variant Name",),
    "price": ("Variant Price",),
    "stock": ("Variant Inventory Qty",),
    "stock_quantity": ("Variant Inventory Qty",),
    "brand": ("Vendor",),
    "gtin": ("Variant Barcode",),
    "mpn": ("Google Shopping / MPN",),
    "description": ("Body (HTML)",),
    "category": ("Type", "Product Category"),
    "image": ("Image Src", "Variant Image"),
}


def _is_variant_column(name: str) -> bool:
    return name.startswith("Variant ") or name in _SHOPIFY_OPTIONS or name == "Cost per item"


def apply_shopify(headers: list[str], rows: Iterator[RawRow], file: str) -> PlatformRows:
    _require(headers, ("Handle", "Title"), "Shopify product CSV", file)
    product_cols = [h for h in headers if not _is_variant_column(h)]
    out_headers = [*headers]
    for extra in ("Variant SKU", "Variant Name", "SKU generated"):
        if extra not in out_headers:
            out_headers.append(extra)
    notes: list[str] = []

    def reshape() -> Iterator[RawRow]:
        handle = ""
        product: dict[str, str] = {}
        skipped = 0
        for raw in rows:
            v = raw.values
            h = v.get("Handle", "").strip()
            if h != handle or not product:
                handle = h
                product = {c: v.get(c, "") for c in product_cols}
            options = [v.get(o, "").strip() for o in _SHOPIFY_OPTIONS]
            sku = v.get("Variant SKU", "").strip()
            if not (sku or v.get("Variant Price", "").strip() or any(options)):
                skipped += 1  # an image-only or product-only row
                continue
            values = dict(v)
            for c in product_cols:
                if not values.get(c):
                    values[c] = product.get(c, "")
            real_options = [o for o in options if o and o != "Default Title"]
            values["SKU generated"] = ""
            if not sku:
                sku = f"{handle}:{'/'.join(real_options)}" if real_options else handle
                values["SKU generated"] = "1"
            values["Variant SKU"] = sku
            title = values.get("Title", "")
            values["Variant Name"] = (
                f"{title} - {' / '.join(real_options)}" if real_options else title
            )
            yield RawRow(raw.row, values, warning=raw.warning)
        if skipped:
            notes.append(f"{skipped} Shopify row(s) without variant data (image rows) skipped")

    return PlatformRows(
        out_headers, reshape(), present_mapping(_SHOPIFY_MAPPING, out_headers), notes
    )


# --- Magento 2 -------------------------------------------------------------------------

_MAGENTO_MAPPING: dict[str, tuple[str, ...]] = {
    "sku": ("sku",),
    "name": ("name",),
    "price": ("price",),
    "stock": ("is_in_stock",),
    "stock_quantity": ("qty",),
    "description": ("short_description", "description"),
    "category": ("categories",),
    "image": ("base_image",),
    # url_key is a slug relative to the shop, not a URL: it is not mapped.
    "brand": ("attr:brand", "attr:manufacturer"),
    "manufacturer": ("attr:manufacturer",),
    "gtin": ("attr:gtin", "attr:ean"),
    "mpn": ("attr:mpn",),
}
_MAGENTO_PARENT_TYPES = frozenset({"configurable", "grouped"})


def unpack_attributes(cell: str) -> dict[str, str]:
    """``"size=XS,color=Black"`` -> ``{"attr:size": "XS", "attr:color": "Black"}``.

    A piece without ``=`` belongs to the previous value (a value containing a comma).
    """
    out: dict[str, str] = {}
    last = ""
    for piece in cell.split(","):
        key, sep, value = piece.partition("=")
        if sep and key.strip():
            last = f"attr:{key.strip()}"
            out[last] = value
        elif last:
            out[last] += "," + piece
    return out


def apply_magento(
    headers: list[str], rows: Iterator[RawRow], file: str, lookahead: list[RawRow]
) -> PlatformRows:
    """``lookahead`` holds the first rows, already read, to learn the attribute columns."""
    _require(headers, ("sku",), "Magento 2 import CSV", file)
    out_headers = [h for h in headers]
    seen = set(out_headers)
    for raw in lookahead:
        for key in unpack_attributes(raw.values.get("additional_attributes", "")):
            if key not in seen:
                seen.add(key)
                out_headers.append(key)
    notes: list[str] = []

    def reshape() -> Iterator[RawRow]:
        store_rows = parents = 0
        for source in (iter(lookahead), rows):
            for raw in source:
                v = raw.values
                if v.get("store_view_code", "").strip():
                    store_rows += 1
                    continue
                if v.get("product_type", "").strip() in _MAGENTO_PARENT_TYPES:
                    parents += 1
                    continue
                attrs = unpack_attributes(v.get("additional_attributes", ""))
                for key in attrs:
                    if key not in seen:  # a key first met after the lookahead
                        seen.add(key)
                        out_headers.append(key)
                yield RawRow(raw.row, {**v, **attrs}, warning=raw.warning)
        if store_rows:
            notes.append(f"{store_rows} store-view translation row(s) skipped")
        if parents:
            notes.append(f"{parents} configurable/grouped parent row(s) skipped")

    return PlatformRows(
        out_headers, reshape(), present_mapping(_MAGENTO_MAPPING, out_headers), notes
    )


# --- PrestaShop ------------------------------------------------------------------------

_PRESTASHOP_MAPPING: dict[str, tuple[str, ...]] = {
    "sku": ("Reference #", "Product ID"),
    "name": ("Name *", "Name"),
    "price": ("Price tax excluded", "Price tax included"),
    "price_excl_vat": ("Price tax excluded",),
    "stock": ("Quantity",),
    "stock_quantity": ("Quantity",),
    "gtin": ("EAN13", "UPC"),
    "mpn": ("MPN", "Supplier reference #"),
    "brand": ("Manufacturer",),
    "manufacturer": ("Manufacturer",),
    "category": ("Categories (x,y,z...)",),
    "description": ("Summary", "Description"),
    "image": ("Image URLs (x,y,z...)",),
    "delivery": ("Delivery time of in-stock products",),
}


def apply_prestashop(headers: list[str], rows: Iterator[RawRow], file: str) -> PlatformRows:
    mapping = present_mapping(_PRESTASHOP_MAPPING, headers)
    notes = ["PrestaShop prices are tax excluded"] if "price_excl_vat" in mapping else []
    return PlatformRows(headers, rows, mapping, notes)


# --- WooCommerce CSV -------------------------------------------------------------------

EFFECTIVE_PRICE = "Effective price"
_WOO_INHERITED = (
    "Categories",
    "Tags",
    "Images",
    "Description",
    "Short description",
    "Brands",
    "Tax status",
    "Tax class",
)
_WOO_MAPPING: dict[str, tuple[str, ...]] = {
    "sku": ("SKU",),
    "name": ("Name",),
    "price": (EFFECTIVE_PRICE,),
    "stock": ("In stock?",),
    "stock_quantity": ("Stock",),
    "gtin": ("GTIN, UPC, EAN, or ISBN", "Meta: _global_unique_id"),
    "brand": ("Brands",),
    "category": ("Categories",),
    "description": ("Short description", "Description"),
    "image": ("Images",),
}


def apply_woocommerce(headers: list[str], rows: Iterator[RawRow], file: str) -> PlatformRows:
    _require(headers, ("SKU", "Name"), "WooCommerce product CSV", file)
    out_headers = [*headers]
    if EFFECTIVE_PRICE not in out_headers:
        out_headers.append(EFFECTIVE_PRICE)
    notes: list[str] = []

    def reshape() -> Iterator[RawRow]:
        parents: dict[str, dict[str, str]] = {}
        skipped = 0
        for raw in rows:
            v = dict(raw.values)
            kind = v.get("Type", "").lower()
            price = v.get("Sale price", "").strip() or v.get("Regular price", "").strip()
            if "variable" in kind or "grouped" in kind:
                inherited = {c: v.get(c, "") for c in _WOO_INHERITED}
                for key in (v.get("SKU", "").strip(), f"id:{v.get('ID', '').strip()}"):
                    if key and key != "id:":
                        parents[key] = inherited
                if not price:
                    skipped += 1
                    continue
            parent = parents.get(v.get("Parent", "").strip())
            if parent is not None:
                for c, value in parent.items():
                    if not v.get(c):
                        v[c] = value
            v[EFFECTIVE_PRICE] = price
            yield RawRow(raw.row, v, warning=raw.warning)
        if skipped:
            notes.append(f"{skipped} variable/grouped parent(s) without a price skipped")

    return PlatformRows(out_headers, reshape(), present_mapping(_WOO_MAPPING, out_headers), notes)


# --- Google Merchant TSV ---------------------------------------------------------------

_GOOGLE_FIELDS: dict[str, tuple[str, ...]] = {
    "sku": ("id",),
    "name": ("title",),
    "price": ("price",),
    "stock": ("availability",),
    "gtin": ("gtin",),
    "mpn": ("mpn",),
    "brand": ("brand",),
    "url": ("link",),
    "image": ("image_link",),
    "description": ("description",),
    "category": ("product_type", "google_product_category"),
}


def apply_google_tsv(headers: list[str], rows: Iterator[RawRow], file: str) -> PlatformRows:
    """Google's headers may be written ``image link`` or ``Image_Link``: match loosely."""
    by_norm = {h.strip().lower().replace(" ", "_"): h for h in headers}
    if "id" not in by_norm:
        raise FeedFormatError(Message("file.google_no_id"), file=file)
    mapping: dict[str, str] = {}
    for canonical, names in _GOOGLE_FIELDS.items():
        for name in names:
            if name in by_norm:
                mapping[canonical] = by_norm[name]
                break
    return PlatformRows(headers, rows, mapping)

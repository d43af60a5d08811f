"""Raw feed rows -> normalized :class:`OfferRecord` objects, with row-level errors and warnings.

A row without SKU or name, or without a parseable price, is dropped with an error naming the
row, field, value and reason. Everything else degrades to a warning and an empty value: an
invalid GTIN (never used as a match key), unknown stock wording, an unreadable delivery time.

A file with no name or no price column at all (a stock-only or price-only delta) reads its
rows without them: `OfferRecord.absent` names every value the file has no column for, and
`indexer.partial` takes those from the stored offer.

VAT inclusion comes from the price text ("199 kr inkl. moms"), else the price header
("Pris inkl. moms", "Price tax excluded"), else a ``vat`` column, else the caller's default.
Currency comes from the price text, else a ``currency`` column, else the price header
("Pris (SEK)"), else the default.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from catalog.enums import StockStatus
from catalog.gtin import GtinError, parse_gtin
from indexer.columns import ColumnMapping
from indexer.feed_guide import FIELD_GUIDE
from indexer.messages import Message
from indexer.normalize.delivery import parse_delivery
from indexer.normalize.price import (
    ParsedPrice,
    PriceError,
    currency_code,
    detect_currency,
    detect_vat,
    parse_price,
)
from indexer.normalize.stock import (
    DEFAULT_LOW_STOCK,
    ParsedStock,
    parse_stock,
    status_for_quantity,
)
from indexer.normalize.text import clean_text
from indexer.records import OfferRecord, RawRow, RowError

METADATA_FIELDS: tuple[str, ...] = (
    "warranty",
    "service",
    "training",
    "category",
    "image",
    "description",
    "manufacturer",
)

_NO_PRICE = ParsedPrice(Decimal(0))
_VAT_TRUE = frozenset(("1", "ja", "j", "yes", "y", "true", "inkl", "incl", "included"))
_VAT_FALSE = frozenset(("0", "nej", "n", "no", "false", "exkl", "excl", "excluded"))


@lru_cache(maxsize=1024)
def _header_vat(header: str) -> bool | None:
    return detect_vat(header)


@lru_cache(maxsize=1024)
def _header_currency(header: str) -> str | None:
    return detect_currency(header)


@dataclass(frozen=True, slots=True)
class _Plan:
    """Per-mapping lookups, worked out once and reused for every row."""

    sku: str | None
    name: str | None
    price: tuple[str, ...]
    currency: str | None
    vat: str | None
    stock: str | None
    stock_quantity: str | None
    stock_is_quantity: bool
    delivery: str | None
    gtin: tuple[str, ...]
    mpn: tuple[str, ...]
    brand: tuple[str, ...]
    url: str | None
    price_excl_vat: str | None
    metadata: tuple[tuple[str, tuple[str, ...]], ...]
    absent: frozenset[str]


def absent_fields(mapping: ColumnMapping) -> frozenset[str]:
    """The `OfferRecord` values a file with this mapping has no column for: ``name``,
    ``price``, ``currency``, ``vat_included``, ``stock_status``, ``stock_quantity``,
    ``delivery_days``, ``gtin``, ``mpn``, ``brand``, ``url`` and ``metadata.<key>`` for the
    retailer metadata (``metadata.vat_rate`` from a VAT column)."""
    fields = mapping.fields
    out: set[str] = set()
    if "name" not in fields:
        out.add("name")
    if "price" not in fields:
        out.add("price")
        if "currency" not in fields:
            out.add("currency")
        if "vat" not in fields:
            out.add("vat_included")
    if "stock" not in fields and "stock_quantity" not in fields:
        out.add("stock_status")
    if "stock_quantity" not in fields and not ("stock" in fields and mapping.stock_is_quantity):
        out.add("stock_quantity")
    if "delivery" not in fields:
        out.add("delivery_days")
    out.update(name for name in ("gtin", "mpn", "url") if name not in fields)
    if "brand" not in fields and "manufacturer" not in fields:
        out.add("brand")
    out.update(f"metadata.{name}" for name in METADATA_FIELDS if name not in fields)
    if "vat" not in fields:
        out.add("metadata.vat_rate")
    if "price_excl_vat" not in fields:
        out.add("metadata.price_excl_vat")
    return frozenset(out)


_PLANS: dict[int, tuple[ColumnMapping, dict[str, str], dict[str, list[str]], _Plan]] = {}


def _plan_for(mapping: ColumnMapping) -> _Plan:
    cached = _PLANS.get(id(mapping))
    if (
        cached is not None
        and cached[0] is mapping
        and cached[1] == mapping.fields
        and cached[2] == mapping.fallbacks
        and cached[3].stock_is_quantity == mapping.stock_is_quantity
    ):
        return cached[3]
    fields = mapping.fields

    def chain(name: str) -> tuple[str, ...]:
        return tuple(mapping.headers_for(name))

    plan = _Plan(
        sku=fields.get("sku"),
        name=fields.get("name"),
        price=chain("price"),
        currency=fields.get("currency"),
        vat=fields.get("vat"),
        stock=fields.get("stock"),
        stock_quantity=fields.get("stock_quantity"),
        stock_is_quantity=mapping.stock_is_quantity,
        delivery=fields.get("delivery"),
        gtin=chain("gtin"),
        mpn=chain("mpn"),
        brand=chain("brand"),
        url=fields.get("url"),
        price_excl_vat=fields.get("price_excl_vat"),
        metadata=tuple((name, chain(name)) for name in METADATA_FIELDS if name in fields),
        absent=absent_fields(mapping),
    )
    if len(_PLANS) >= 64:
        _PLANS.clear()
    _PLANS[id(mapping)] = (
        mapping,
        dict(fields),
        {k: list(v) for k, v in mapping.fallbacks.items()},
        plan,
    )
    return plan


def _first(values: dict[str, str], headers: tuple[str, ...]) -> tuple[str, str]:
    """The first header with a non-blank cell and that cell, stripped; (first, "") if none."""
    for header in headers:
        cell = values.get(header)
        if cell and (cell := cell.strip()):
            return header, cell
    return (headers[0] if headers else ""), ""


def _cell(values: dict[str, str], header: str | None) -> str:
    if header is None:
        return ""
    cell = values.get(header)
    return cell.strip() if cell else ""


def _text(values: dict[str, str], headers: tuple[str, ...]) -> str | None:
    if not headers:
        return None
    if len(headers) == 1:
        cell = values.get(headers[0])
        text = cell.strip() if cell else ""
    else:
        text = _first(values, headers)[1]
    if not text:
        return None
    return clean_text(text) or None


def normalize_row(
    raw: RawRow,
    mapping: ColumnMapping,
    *,
    default_currency: str = "SEK",
    default_vat_included: bool | None = None,
    low_stock_threshold: int = DEFAULT_LOW_STOCK,
) -> tuple[OfferRecord | None, list[RowError]]:
    """Normalize one row; the record is None when the row has errors (not just warnings)."""
    record, problems = _normalize_row(
        raw,
        mapping,
        default_currency=default_currency,
        default_vat_included=default_vat_included,
        low_stock_threshold=low_stock_threshold,
    )
    if raw.warning is not None:
        problems.insert(0, _warn(raw.row, "encoding", _replaced_cell(raw.values), raw.warning))
    return record, problems


def _replaced_cell(values: dict[str, str]) -> str:
    """The first cell holding a replaced byte (U+FFFD), cut to 100 characters."""
    for cell in values.values():
        if "\ufffd" in cell:
            return cell[:100]
    return ""


# the feed template's example row (`indexer.feed_template`): never an offer of the retailer
EXAMPLE_SKU = FIELD_GUIDE["sku"].example
EXAMPLE_NAME = FIELD_GUIDE["name"].example
EXAMPLE_ROW = Message("row.template_example")


def problem_field(problem: Message | str) -> str:
    """The field a whole-row problem names (a JSON record's unreadable member), else empty:
    a row error's field is always a field's name, never the word "row"."""
    values = getattr(problem, "values", None) or {}
    named = values.get("json_field")
    return str(named) if named else ""


def _normalize_row(
    raw: RawRow,
    mapping: ColumnMapping,
    *,
    default_currency: str,
    default_vat_included: bool | None,
    low_stock_threshold: int,
) -> tuple[OfferRecord | None, list[RowError]]:
    if raw.problem is not None:
        return None, [RowError(raw.row, problem_field(raw.problem), "", raw.problem)]
    plan = _plan_for(mapping)
    values = raw.values
    row = raw.row
    problems: list[RowError] = []

    sku = _cell(values, plan.sku)
    if not sku:
        problems.append(RowError(row, "sku", "", Message("row.sku_empty")))
    name_text = _cell(values, plan.name)
    name = clean_text(name_text) if name_text else ""
    if not name and plan.name is not None:
        problems.append(RowError(row, "name", name_text, Message("row.name_empty")))
    if sku == EXAMPLE_SKU and name == EXAMPLE_NAME:  # a template uploaded with its example
        return None, [RowError(row, "sku", sku, EXAMPLE_ROW)]
    price_header, price_text = _first(values, plan.price)
    # a price column left empty (the template's "Pris inkl. moms" kept but not filled in by
    # a retailer pricing excluding VAT): the row's price excluding VAT is its price
    if not price_text and plan.price_excl_vat and (excl := _cell(values, plan.price_excl_vat)):
        price_header, price_text = plan.price_excl_vat, excl
    parsed_price = None
    if not plan.price:
        parsed_price = _NO_PRICE  # no price column: the stored offer's price stays
    elif not price_text:
        problems.append(RowError(row, "price", "", Message("price.empty")))
    else:
        try:
            parsed_price = parse_price(price_text)
        except PriceError as exc:
            problems.append(RowError(row, "price", price_text, exc.message))
    if parsed_price is None or problems:
        return None, problems

    if not parsed_price.amount and plan.price:
        problems.append(_warn(row, "price", price_text, Message("row.price_zero")))
    metadata: dict[str, str] = {}

    currency = parsed_price.currency
    if currency is None:
        currency_text = _cell(values, plan.currency)
        if currency_text:
            currency = currency_code(currency_text)
            if currency is None:
                problems.append(
                    _warn(row, "currency", currency_text, Message("row.currency_unknown"))
                )
        if currency is None:
            currency = _header_currency(price_header) or default_currency

    vat = parsed_price.vat_included
    if vat is None:
        vat = _header_vat(price_header)
    vat_text = _cell(values, plan.vat)
    if vat_text:
        flag, rate = _vat_cell(vat_text)
        if rate is not None:
            metadata["vat_rate"] = rate
        elif flag is None:
            problems.append(_warn(row, "vat", vat_text, Message("row.vat_unclear")))
        if vat is None:
            vat = flag
    if vat is None:
        vat = default_vat_included

    stock = _stock(row, values, plan, low_stock_threshold, problems)

    delivery_days = stock.delivery_days
    delivery_text = _cell(values, plan.delivery)
    if delivery_text:
        days = parse_delivery(delivery_text)
        if days is None:
            problems.append(_warn(row, "delivery", delivery_text, Message("row.delivery_unclear")))
        else:
            delivery_days = days

    gtin: str | None = None
    if plan.gtin:
        gtin_text = _first(values, plan.gtin)[1]
        if gtin_text:
            try:
                gtin = parse_gtin(gtin_text)
            except GtinError as exc:
                problems.append(
                    _warn(row, "gtin", gtin_text, Message(f"gtin.{exc.reason}", **exc.values))
                )

    url = _cell(values, plan.url) or None
    if url is not None and not url.startswith(("https://", "http://")):
        problems.append(_warn(row, "url", url, Message("row.url_not_absolute")))
        url = None

    for name_of_field, headers in plan.metadata:
        text = _text(values, headers)
        if text:
            metadata[name_of_field] = _shared(text) or text
    brand = _shared(_text(values, plan.brand)) or metadata.get("manufacturer")
    excl_text = _cell(values, plan.price_excl_vat)
    if excl_text:
        try:
            metadata["price_excl_vat"] = format(parse_price(excl_text).amount, "f")
        except PriceError as exc:
            problems.append(_warn(row, "price_excl_vat", excl_text, exc.message))

    record = OfferRecord(
        row=row,
        sku=sku,
        name=name,
        price=parsed_price.amount if plan.price else None,
        currency=currency,
        vat_included=vat,
        stock_status=stock.status,
        stock_quantity=stock.quantity,
        delivery_days=delivery_days,
        gtin=gtin,
        mpn=_text(values, plan.mpn),
        brand=brand,
        url=url,
        metadata=metadata,
        absent=plan.absent,
    )
    return record, problems


_SHARED: dict[str, str] = {}
_SHARED_MAX = 50_000
_SHARED_LENGTH = 64


def _shared(text: str | None) -> str | None:
    """One string object per distinct short value (a brand, a category, a manufacturer) that
    repeats over a feed's rows: a million offers of twenty brands hold twenty strings."""
    if text is None or len(text) > _SHARED_LENGTH:
        return text
    found = _SHARED.get(text)
    if found is not None:
        return found
    if len(_SHARED) >= _SHARED_MAX:
        _SHARED.clear()
    _SHARED[text] = text
    return text


def _warn(row: int, name: str, value: str, message: Message) -> RowError:
    return RowError(row, name, value, message, "warning")


def _vat_cell(text: str) -> tuple[bool | None, str | None]:
    """A VAT column cell: an inclusion flag ("ja", "1", "inkl. moms") or a rate ("25 %")."""
    folded = text.casefold().strip(" .")
    if folded in _VAT_TRUE:
        return True, None
    if folded in _VAT_FALSE:
        return False, None
    number = folded.rstrip("%").strip().replace(",", ".")
    try:
        rate = float(number)
    except ValueError:
        return detect_vat(folded), None
    if 0 < rate < 1:
        rate *= 100
    if 0 <= rate <= 100:
        return None, f"{rate:g}"
    return None, None


def _stock(
    row: int,
    values: dict[str, str],
    plan: _Plan,
    low_stock_threshold: int,
    problems: list[RowError],
) -> ParsedStock:
    stock_text = _cell(values, plan.stock)
    stock = parse_stock(
        stock_text, low_stock_threshold=low_stock_threshold, is_quantity=plan.stock_is_quantity
    )
    qty_text = _cell(values, plan.stock_quantity)
    if qty_text:
        counted = parse_stock(qty_text, low_stock_threshold=low_stock_threshold, is_quantity=True)
        if counted.quantity is not None:
            status = stock.status
            if status is StockStatus.UNKNOWN:
                status = status_for_quantity(counted.quantity, low_stock_threshold)
            return ParsedStock(status, counted.quantity, stock.delivery_days)
        if stock.status is StockStatus.UNKNOWN and counted.status is not StockStatus.UNKNOWN:
            return counted
        problems.append(_warn(row, "stock_quantity", qty_text, Message("row.quantity_unclear")))
    if stock.status is StockStatus.UNKNOWN:
        if stock_text:
            problems.append(_warn(row, "stock", stock_text, Message("row.stock_unclear")))
        elif plan.stock is not None:
            problems.append(_warn(row, "stock", "", Message("row.stock_empty")))
    return stock


def row_sku(raw: RawRow, mapping: ColumnMapping) -> str:
    """The row's SKU as :func:`normalize_row` reads it ("" when the cell is blank)."""
    return _cell(raw.values, _plan_for(mapping).sku)

"""Records that flow through the pure stages of feed intake."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from catalog.enums import StockStatus
from indexer.messages import Message, code_of

# The canonical fields an offer row can carry. `sku`, `name`, `price` and `stock` are required.
CANONICAL_FIELDS: tuple[str, ...] = (
    "sku",
    "name",
    "price",
    "stock",  # a stock status text or a quantity
    "stock_quantity",
    "delivery",  # delivery time text ("3-5 dagar") or days
    "gtin",
    "mpn",
    "brand",
    "manufacturer",
    "currency",
    "vat",  # VAT-included flag or rate
    "price_excl_vat",
    "url",
    "description",
    "category",
    "image",
    "warranty",
    "service",
    "training",
)
REQUIRED_FIELDS: tuple[str, ...] = ("sku", "name", "price", "stock")


@dataclass(frozen=True, slots=True)
class RawRow:
    """One logical record of a feed: its 1-based row number in the file and its cells.

    ``problem``: why the reader could not read the row as it stands (its cells are kept, so
    the row's SKU is still known); the row is rejected with that message. ``warning``: what
    the reader had to repair in the row (bytes that are not valid UTF-8, replaced by U+FFFD);
    the row is used and the warning reported with it. Both are messages as data
    (``indexer.messages``)."""

    row: int
    values: dict[str, str]
    problem: Message | None = None
    warning: Message | None = None


@dataclass(slots=True)
class FeedTable:
    """What a reader makes of a file: detected format, headers and a stream of rows."""

    format: str  # csv | tsv | xlsx | json | jsonl | google_rss | google_tsv | woocommerce | ...
    encoding: str | None
    headers: list[str]
    rows: Iterator[RawRow]
    # Readers that know their format's columns (Shopify, Google) pre-map headers to fields.
    known_mapping: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # rows are items of a document (XML, JSON): ``RawRow.row`` is the item's 1-based index,
    # not a line (a one-line feed has all its items on line 1)
    items: bool = False


@dataclass(frozen=True, slots=True)
class RowError:
    """What is wrong with one row: ``message`` is its English text with its ``code`` and
    ``values`` (``indexer.messages.Message``), stored with the run next to the text."""

    row: int
    field: str
    value: str
    message: Message
    severity: Literal["error", "warning"] = "error"
    item_id: str | None = None  # the item's SKU in an XML/JSON feed (``row`` is its index)

    @property
    def code(self) -> str | None:
        return code_of(self.message)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "row": self.row,
            "field": self.field,
            "value": self.value,
            "message": str(self.message),
            "severity": self.severity,
        }
        if isinstance(self.message, Message):
            out["code"] = self.message.code
            out["values"] = dict(self.message.values)
        if self.item_id is not None:
            out["item"] = {"index": self.row, "id": self.item_id}
        return out


@dataclass(slots=True)
class OfferRecord:
    """A normalized offer row, ready to be matched and stored."""

    row: int
    sku: str
    name: str
    price: Decimal | None
    currency: str = "SEK"
    vat_included: bool | None = None
    stock_status: StockStatus = StockStatus.UNKNOWN
    stock_quantity: int | None = None
    delivery_days: int | None = None
    gtin: str | None = None
    mpn: str | None = None
    brand: str | None = None
    url: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    # what the file has no column for (`indexer.rows.absent_fields`): a stored offer keeps
    # its values there (`indexer.partial.fill_absent`); not part of the content hash
    absent: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "sku": self.sku,
            "name": self.name,
            "price": None if self.price is None else format(self.price, "f"),
            "currency": self.currency,
            "vat_included": self.vat_included,
            "stock_status": self.stock_status.value,
            "stock_quantity": self.stock_quantity,
            "delivery_days": self.delivery_days,
            "gtin": self.gtin,
            "mpn": self.mpn,
            "brand": self.brand,
        }

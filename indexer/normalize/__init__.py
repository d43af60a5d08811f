"""Pure normalization of offer cells: prices, stock, delivery times, text (GTINs: catalog.gtin)."""

from indexer.normalize.delivery import parse_delivery
from indexer.normalize.price import (
    ParsedPrice,
    PriceError,
    currency_code,
    detect_currency,
    detect_vat,
    parse_price,
)
from indexer.normalize.stock import ParsedStock, parse_stock, status_for_quantity
from indexer.normalize.text import brand_key, clean_text, normalize_mpn

__all__ = [
    "ParsedPrice",
    "ParsedStock",
    "PriceError",
    "brand_key",
    "clean_text",
    "currency_code",
    "detect_currency",
    "detect_vat",
    "normalize_mpn",
    "parse_delivery",
    "parse_price",
    "parse_stock",
    "status_for_quantity",
]

"""Stock cells in Swedish and English: words, booleans, quantities and delivery times.

Rules, in order:

1. Known phrases ("I lager", "Slut", "Beställningsvara", "in stock", "onbackorder", schema.org
   URLs such as "https://schema.org/InStock") map directly.
2. In a stock *status* column "1"/"0" are booleans (WooCommerce "In stock?"); any other whole
   number is a quantity. In a *quantity* column (``is_quantity=True``, e.g. "Lagersaldo") every
   number is a quantity. A quantity of 0 or less is out of stock, one below
   ``low_stock_threshold`` (default 5) is limited, anything else in stock.
3. Phrases are classified by keyword, most specific first: discontinued, backorder/pre-order
   ("Kommer snart" counts as backorder: it can be ordered or watched, not yet shipped), out of
   stock, limited, in stock. "Slut i lager, beställningsvara" is therefore backorder.
   Negation: a clause (text between commas, semicolons, full stops, brackets) that holds both
   an in-stock phrase and a negation word ("ej", "inte", "icke", "ingen", "inga", "nej",
   "not", "no", "non") means out of stock, whatever the order: Swedish puts the negation
   before a phrase ("Ej i lager", "Inte tillgänglig") and after the verb ("Finns ej",
   "Finns inte i lager"), English forms say "not in stock" or "In stock: no". A negation in
   another clause does not count ("I lager, ej returnerbar" is in stock), and backorder
   wording still wins ("Ej i lager, beställningsvara"). Discontinued items ("Utgått") are
   out of stock: `StockStatus` has no state of its own for them.
4. A delivery time used as a stock phrase ("3-5 dagar", "Leveranstid 2 veckor") means the item
   can be ordered: in stock when it ships within 2 days, otherwise backorder, with
   ``delivery_days`` set to the upper bound.
5. Anything else is ``StockStatus.UNKNOWN``; this function never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from catalog.enums import StockStatus
from indexer.normalize.delivery import parse_delivery

DEFAULT_LOW_STOCK = 5
FAST_DELIVERY_DAYS = 2

_IN = StockStatus.IN_STOCK
_LIMITED = StockStatus.LIMITED
_BACK = StockStatus.BACKORDER
_OUT = StockStatus.OUT_OF_STOCK

_PHRASES: dict[str, StockStatus] = {
    **dict.fromkeys(
        (
            "i lager",
            "finns i lager",
            "på lager",
            "lagervara",
            "i webblager",
            "ja",
            "j",
            "yes",
            "y",
            "true",
            "sant",
            "in stock",
            "in_stock",
            "instock",
            "available",
            "tillgänglig",
            "finns",
            "leveransklar",
            "skickas idag",
            "skickas direkt",
        ),
        _IN,
    ),
    **dict.fromkeys(
        (
            "slut",
            "slut i lager",
            "slutsåld",
            "tillfälligt slut",
            "tillfälligt slut i lager",
            "nej",
            "n",
            "no",
            "false",
            "falskt",
            "out of stock",
            "out_of_stock",
            "outofstock",
            "sold out",
            "soldout",
            "ej i lager",
            "inte i lager",
            "utgått",
            "utgången",
            "discontinued",
            "unavailable",
            "not available",
            "ej tillgänglig",
        ),
        _OUT,
    ),
    **dict.fromkeys(
        (
            "beställningsvara",
            "beställningsvara, ej i lager",
            "backorder",
            "on backorder",
            "onbackorder",
            "available on backorder",
            "preorder",
            "pre-order",
            "pre order",
            "förbeställ",
            "förhandsboka",
            "kommer snart",
            "coming soon",
            "inkommande",
        ),
        _BACK,
    ),
    **dict.fromkeys(
        (
            "få kvar",
            "fåtal i lager",
            "fåtal",
            "begränsat antal",
            "begränsat lager",
            "få i lager",
            "limited",
            "limited availability",
            "low stock",
            "few left",
        ),
        _LIMITED,
    ),
}

# schema.org ItemAvailability names (casefolded).
_SCHEMA: dict[str, StockStatus] = {
    "instock": _IN,
    "instoreonly": _IN,
    "onlineonly": _IN,
    "limitedavailability": _LIMITED,
    "outofstock": _OUT,
    "soldout": _OUT,
    "discontinued": _OUT,
    "backorder": _BACK,
    "preorder": _BACK,
    "presale": _BACK,
    "madetoorder": _BACK,
}
_SCHEMA_URL = re.compile(r"(?:https?://)?(?:www\.)?schema\.org/(\w+)/?")

_OUT_WORDS = re.compile(
    r"\bslut\b|\bslutsåld|\bout[ _-]?of[ _-]?stock\b|\bsold ?out\b|\bunavailable\b|"
    r"\bej lagervara\b|\bnej\b|\bsaknas\b|\bno stock\b"
)
_IN_WORDS = re.compile(
    r"\bi lager\b|\bpå lager\b|\blagervara\b|\bin[ _-]?stock\b|\bavailable\b|"
    r"\btillgänglig\b|\bfinns\b|\bleveransklar\b|\bskickas (?:idag|direkt)\b|\bja\b"
)
_NEGATION = re.compile(r"\b(?:ej|inte|icke|ingen|inga|nej|not|no|non)\b")
_CLAUSE_BREAK = re.compile(r"[,;.!?()\[\]|]")

_KEYWORDS: tuple[tuple[StockStatus, re.Pattern[str]], ...] = (
    (_OUT, re.compile(r"\b(?:utgått|utgången|discontinued|no longer available)\b")),
    (
        _BACK,
        re.compile(
            r"beställningsvara|beställs\b|\bbackorder|\bon ?backorder|\bpre[- ]?order|"
            r"\bförbeställ|\bförhandsbok|\bkommer snart\b|\bcoming soon\b|\binkommande\b|"
            r"\bmade to order\b|\bspecial order\b|\bpre[- ]?sale\b|\bexpected\b|\bväntas\b"
        ),
    ),
    (_OUT, _OUT_WORDS),  # and negated in-stock phrases, see `_negated`
    (
        _LIMITED,
        re.compile(
            r"\bfå kvar\b|\bfåtal\b|\bbegränsa(?:t|d)\b|\blimited\b|\blow stock\b|"
            r"\bfew left\b|\bonly \d+ left\b|\bendast \d+ kvar\b|\bbara \d+ kvar\b"
        ),
    ),
    (_IN, _IN_WORDS),
)


def _negated(text: str) -> bool:
    """Whether a clause of ``text`` holds an in-stock phrase and a negation word."""
    return any(
        _NEGATION.search(clause) is not None and _IN_WORDS.search(clause) is not None
        for clause in _CLAUSE_BREAK.split(text)
    )


_INTEGER = re.compile(r"[-+]?\d{1,9}(?:[.,]0+)?")
_QUANTITY = re.compile(
    r"(?:(?:>|>=|över|fler än|more than|minst|at least)\s*)?(\d{1,9})\s*\+?\s*"
    r"(?:st|stk|pcs|pc|pieces|units?|ex|styck)?\.?\s*"
    r"(?:(?:i lager|på lager|in stock|kvar|left|available|tillgängliga?|i webblager)\b)?"
)
_QUANTITY_IN_TEXT = re.compile(
    r"(\d{1,9})\s*(?:st|stk|pcs|pieces|units?)?\.?\s*(?:i lager|på lager|in stock|kvar|left)\b"
)


@dataclass(frozen=True, slots=True)
class ParsedStock:
    status: StockStatus
    quantity: int | None = None
    delivery_days: int | None = None


UNKNOWN_STOCK = ParsedStock(StockStatus.UNKNOWN)


def status_for_quantity(quantity: int, low_stock_threshold: int = DEFAULT_LOW_STOCK) -> StockStatus:
    """Out of stock at 0 or below, limited below the threshold, else in stock."""
    if quantity <= 0:
        return _OUT
    if quantity < low_stock_threshold:
        return _LIMITED
    return _IN


@lru_cache(maxsize=8192)
def parse_stock(
    text: str, *, low_stock_threshold: int = DEFAULT_LOW_STOCK, is_quantity: bool = False
) -> ParsedStock:
    """Classify one stock cell; unknown text gives ``StockStatus.UNKNOWN`` (never raises).

    Results are cached: a feed has few distinct stock texts and ParsedStock is immutable.
    """
    folded = text.strip().casefold()
    if not folded:
        return UNKNOWN_STOCK
    status = _PHRASES.get(folded)
    if status is not None:
        return ParsedStock(status)
    if _INTEGER.fullmatch(folded):
        quantity = int(float(folded.replace(",", ".")))
        if not is_quantity and quantity in (0, 1):
            return ParsedStock(_IN if quantity == 1 else _OUT)
        return ParsedStock(status_for_quantity(quantity, low_stock_threshold), max(quantity, 0))
    if "schema.org" in folded:
        found = _SCHEMA_URL.search(folded)
        if found and found.group(1) in _SCHEMA:
            return ParsedStock(_SCHEMA[found.group(1)])
    squashed = " ".join(folded.replace("_", " ").split())
    status = _PHRASES.get(squashed) or _SCHEMA.get(squashed.replace(" ", ""))
    if status is not None:
        return ParsedStock(status)

    found_qty = _QUANTITY.fullmatch(squashed)
    if found_qty:
        quantity = int(found_qty.group(1))
        return ParsedStock(status_for_quantity(quantity, low_stock_threshold), quantity)

    negated = _negated(squashed)
    for candidate, pattern in _KEYWORDS:
        if pattern.search(squashed) or (negated and pattern is _OUT_WORDS):
            status = candidate
            break
    quantity_in_text = _QUANTITY_IN_TEXT.search(squashed)
    qty = int(quantity_in_text.group(1)) if quantity_in_text else None
    days = parse_delivery(squashed)
    if status is None:
        if qty is not None:
            return ParsedStock(status_for_quantity(qty, low_stock_threshold), qty, days)
        if days is None:
            return UNKNOWN_STOCK
        status = _IN if days <= FAST_DELIVERY_DAYS else _BACK
    elif status is _IN and qty is not None:
        status = status_for_quantity(qty, low_stock_threshold)
    return ParsedStock(status, qty, days)

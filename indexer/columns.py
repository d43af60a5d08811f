"""Column detection: which header of a retailer feed holds which canonical offer field.

Precedence, per field: ``override`` (a mapping file, field -> header) > ``known`` (the reader's
format knowledge, e.g. Shopify) > ``remembered`` (last run's mapping, used only when its header
is still present) > detection. An override header the file does not have is an error, as is a
required field left unmapped (:func:`require_complete`). What a retailer remembers
(:func:`remembered_mapping`) is the whole reading - fields, fallback chains and whether stock is
a quantity - so the same file reads the same way on every upload.

Detection normalizes headers (casefold, drop "*", "?", "#", parenthesized units and
instructions such as "(SEK)" or "(x,y,z...)", punctuation), looks them up in a curated
Swedish/English alias table, then tries fuzzy matching (rapidfuzz) for near-misses.
Candidates are assigned greedily by score, one header to at most one field.

Two refinements:

* Fallback chains. For a few fields (price, gtin, mpn, brand, image, delivery) other detected
  headers of the same field become per-row fallbacks, in alias order: WooCommerce's mostly empty
  "Sale price" is tried first, then "Regular price".
* Quantity as stock. When the only stock column is a quantity ("Lagersaldo", "Quantity"),
  ``stock`` maps to it and ``stock_is_quantity`` is set, so "1" means one unit, not "yes".
  Likewise a lone "Pris exkl. moms" becomes ``price``.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from indexer.errors import IndexerError, MissingColumnsError
from indexer.normalize.price import detect_vat
from indexer.records import CANONICAL_FIELDS, REQUIRED_FIELDS

FUZZY_CUTOFF = 90.0
FUZZY_MIN_LENGTH = 5
CONTAINS_SCORE = 0.8
FALLBACK_FIELDS = frozenset(("price", "gtin", "mpn", "brand", "image", "delivery"))

# Aliases per field, most preferred first. Written naturally; normalized at import.
ALIASES: dict[str, tuple[str, ...]] = {
    "sku": (
        "Artikelnummer", "Art.nr", "Artnr", "Art nr", "Art. nr.", "Artikelnr", "Artikelnr.",
        "Art.nummer", "Art no", "Artikel-ID", "Produktnummer", "Produktnr", "SKU", "Variant SKU",
        "Item number", "Item no", "Item ID", "Article number", "Reference #", "Reference",
        "Referens", "Product code", "Produktkod", "Varunummer", "ID", "Product ID",
    ),
    "name": (
        "Benämning", "Benamning", "Produktnamn", "Artikelnamn", "Artikelbenämning", "Namn",
        "Name *", "Name", "Title", "Titel", "Product name", "Product title", "Item name", "Produkt",
        "Product", "Varunamn",
    ),
    "price": (
        "Sale price", "Rea pris", "Reapris", "Kampanjpris", "Ert pris", "Kundpris",
        "Kundpris inkl. moms", "Pris", "Price", "Pris/st", "Pris per st", "Pris per styck",
        "Pris inkl. moms", "Pris inkl moms", "Pris (SEK)", "Pris SEK", "Pris kr",
        "Försäljningspris", "Utpris", "Utpris inkl. moms", "Nettopris inkl. moms",
        "Regular price", "Ordinarie pris", "Listpris", "Variant Price", "Price incl. VAT",
        "Price incl VAT", "Price incl. tax", "Price tax included", "Bruttopris", "Gross price",
        "Ditt pris",
    ),
    "price_excl_vat": (
        "Pris exkl. moms", "Pris exkl moms", "Pris ex moms", "Pris exkl", "Price tax excluded",
        "Price excl. VAT", "Price excl VAT", "Price ex VAT", "Price excl. tax", "Nettopris",
        "Nettopris exkl. moms", "Kundpris exkl. moms", "Utpris exkl. moms", "Net price",
    ),
    "stock": (
        "Lagerstatus", "I lager", "Tillgänglighet", "In stock?", "In stock", "Stock status",
        "Availability", "Lager", "Is in stock", "Finns i lager", "Lagerstatus text",
        "Stockstatus", "Stock availability",
    ),
    "stock_quantity": (
        "Lagersaldo", "Saldo", "Antal i lager", "Lagerantal", "Stock", "Quantity", "Qty",
        "Variant Inventory Qty", "Stock quantity", "Inventory", "Stock level", "Antal",
    ),
    "delivery": (
        "Leveranstid", "Delivery time", "Leverans", "Delivery", "Lead time", "Leveransdagar",
        "Shipping time", "Delivery days", "Leveranstid (dagar)",
    ),
    "gtin": (
        "EAN", "EAN13", "EAN 13", "EAN-kod", "EAN code", "EAN-nummer", "GTIN", "GTIN13",
        "GTIN-14", "Streckkod", "Barcode", "Variant Barcode", "UPC",
    ),
    "mpn": (
        "Tillverkarens artikelnummer", "Tillverkarens art.nr", "Tillv. art.nr", "MPN",
        "Manufacturer part number", "Manufacturer SKU", "Part number", "Supplier reference #",
        "Leverantörens artikelnummer", "Lev. art.nr", "Modellnummer", "Model number",
        "Katalognummer", "Catalog number",
    ),
    "brand": ("Varumärke", "Brand", "Märke", "Fabrikat", "Brand name", "Vendor"),
    "manufacturer": ("Tillverkare", "Manufacturer", "Producent", "Producer"),
    "currency": ("Valuta", "Currency", "Currency code", "Valutakod"),
    "vat": ("Moms", "VAT", "Momssats", "Moms %", "Tax rate", "VAT rate", "Skattesats"),
    "url": ("URL", "Länk", "Link", "Produktlänk", "Product URL", "Produkt-URL", "Webbadress"),
    "description": (
        "Beskrivning", "Description", "Produktbeskrivning", "Long description", "Body (HTML)",
        "Body", "Short description", "Kort beskrivning",
    ),
    "category": (
        "Kategori", "Categories", "Category", "Produktkategori", "Kategorier", "Varugrupp",
    ),
    "image": (
        "Bild", "Image", "Images", "Bilder", "Image URL", "Image URLs", "Image link",
        "Image Src", "Bildlänk", "Bild-URL", "Produktbild", "Base image", "Variant Image",
    ),
    "warranty": ("Garanti", "Warranty", "Garantitid", "Warranty period", "Garanti (år)"),
    "service": ("Service", "Serviceavtal", "Service agreement", "Support"),
    "training": ("Utbildning", "Training", "Kurs", "Utbildning ingår", "Training included"),
}  # fmt: skip

# The header the feed template (`indexer.feed_template`) writes for a field, where it is not
# the field's first alias; each must be one of the field's aliases (checked at import).
TEMPLATE_HEADERS: dict[str, str] = {
    "price": "Pris inkl. moms",
    "url": "Produktlänk",
    "image": "Bildlänk",
}


def template_header(name: str) -> str:
    """The header the feed template writes for ``name``: a Swedish alias of the field."""
    return TEMPLATE_HEADERS.get(name) or ALIASES[name][0]


for _name, _header in TEMPLATE_HEADERS.items():
    if _header not in ALIASES.get(_name, ()):
        raise ValueError(f"TEMPLATE_HEADERS: {_header!r} is not an alias of {_name}")

# Header words that identify a field even inside a longer header ("Google Shopping / MPN").
STRONG_TOKENS: dict[str, str] = {
    "ean": "gtin",
    "ean13": "gtin",
    "gtin": "gtin",
    "gtin13": "gtin",
    "upc": "gtin",
    "barcode": "gtin",
    "streckkod": "gtin",
    "mpn": "mpn",
}

_BOM = "\ufeff"
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_DROP = re.compile(r"[*?#:;!\"'’%]")
_PUNCT = re.compile(r"[_\-./\\|,&+()\[\]]+")
_SPACES = re.compile(r"\s+")


def normalize_header(header: str) -> str:
    """Comparable form of a header: "Pris (SEK) *" -> "pris", "Art.nr" -> "art nr"."""
    text = header.replace(_BOM, "").casefold()
    stripped = _PARENS.sub(" ", text)
    if stripped.strip():
        text = stripped
    text = _PUNCT.sub(" ", _DROP.sub("", text))
    return _SPACES.sub(" ", text).strip()


def _build_index() -> tuple[dict[str, tuple[str, int]], list[str], list[tuple[str, int]]]:
    """Alias lookup (spaced and squashed forms) and the fuzzy-match choices."""
    index: dict[str, tuple[str, int]] = {}
    fuzzy_keys: list[str] = []
    for name, aliases in ALIASES.items():
        for rank, alias in enumerate(aliases):
            key = normalize_header(alias)
            if key not in index and len(key) >= FUZZY_MIN_LENGTH:
                fuzzy_keys.append(key)
            index.setdefault(key, (name, rank))
            index.setdefault(key.replace(" ", ""), (name, rank))
    return index, fuzzy_keys, [index[key] for key in fuzzy_keys]


_ALIAS_INDEX, _FUZZY_KEYS, _FUZZY_TARGETS = _build_index()


class MappingFileError(IndexerError):
    """A column mapping file that cannot be read or names unknown fields."""


@dataclass(slots=True)
class ColumnMapping:
    """Canonical field -> header, with how sure we are and where each choice came from."""

    fields: dict[str, str]
    scores: dict[str, float]
    missing_required: list[str]
    fallbacks: dict[str, list[str]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # override|known|remembered|alias|fuzzy
    stock_is_quantity: bool = False
    unmapped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    override_absent: dict[str, str] = field(default_factory=dict)  # field -> header not in file

    def headers_for(self, name: str) -> list[str]:
        """The header of ``name`` followed by its fallbacks; empty when unmapped."""
        header = self.fields.get(name)
        if header is None:
            return []
        return [header, *self.fallbacks.get(name, ())]

    @property
    def price_vat_included(self) -> bool | None:
        """What the price header says of VAT: False for "Nettopris exkl. moms", True for
        "Pris inkl. moms", None when it says nothing (cells or the defaults decide)."""
        header = self.fields.get("price")
        return None if header is None else detect_vat(header)

    def as_dict(self) -> dict[str, object]:
        order = {name: i for i, name in enumerate(CANONICAL_FIELDS)}
        return {
            "fields": dict(sorted(self.fields.items(), key=lambda kv: order[kv[0]])),
            "scores": dict(sorted(self.scores.items(), key=lambda kv: order[kv[0]])),
            "missing_required": list(self.missing_required),
            "fallbacks": {k: list(v) for k, v in self.fallbacks.items()},
            "sources": dict(self.sources),
            "stock_is_quantity": self.stock_is_quantity,
            "price_vat_included": self.price_vat_included,
            "unmapped": list(self.unmapped),
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class _Memory:
    """A retailer's remembered reading. ``fallbacks`` / ``stock_is_quantity`` are None for a
    mapping stored before they were remembered (a flat ``{field: header}``): then they are
    worked out from the headers, as detection would."""

    fields: dict[str, str]
    fallbacks: dict[str, list[str]] | None
    stock_is_quantity: bool | None

    @classmethod
    def load(cls, stored: Mapping[str, Any] | None) -> _Memory:
        if not stored:
            return cls({}, {}, False)
        if isinstance(stored.get("fields"), dict):
            fallbacks = stored.get("fallbacks") or {}
            return cls(
                {str(k): str(v) for k, v in stored["fields"].items()},
                {str(k): [str(h) for h in v] for k, v in fallbacks.items()},
                bool(stored.get("stock_is_quantity", False)),
            )
        return cls({str(k): str(v) for k, v in stored.items()}, None, None)


def remembered_mapping(mapping: ColumnMapping) -> dict[str, Any]:
    """What a retailer keeps of a run's mapping, for :func:`detect_mapping`'s ``remembered``."""
    return {
        "fields": dict(mapping.fields),
        "fallbacks": {k: list(v) for k, v in mapping.fallbacks.items()},
        "stock_is_quantity": mapping.stock_is_quantity,
    }


def remembered_fields(stored: Mapping[str, Any] | None) -> dict[str, str]:
    """The field -> header part of a remembered mapping (either stored form)."""
    return dict(_Memory.load(stored).fields)


@dataclass(frozen=True, slots=True, order=True)
class _Candidate:
    sort_score: float
    rank: int
    position: int
    name: str
    header: str
    score: float
    source: str


def detect_mapping(
    headers: list[str],
    *,
    known: dict[str, str] | None = None,
    remembered: Mapping[str, Any] | None = None,
    override: dict[str, str] | None = None,
) -> ColumnMapping:
    """Map canonical fields to ``headers`` (see the module docstring for the rules).

    ``remembered`` is what :func:`remembered_mapping` stored (or an older flat mapping)."""
    present = set(headers)
    mapping = ColumnMapping(fields={}, scores={}, missing_required=[])
    used: set[str] = set()
    memory = _Memory.load(remembered)
    recalls = _unpromoted(memory.fields, headers)
    for source, given in (("override", override), ("known", known), ("remembered", recalls)):
        for name, header in (given or {}).items():
            if name not in CANONICAL_FIELDS:
                mapping.notes.append(f"{source}: {name!r} is not a canonical field; ignored")
            elif name in mapping.fields:
                continue
            elif header not in present:
                if source == "override":
                    mapping.override_absent[name] = header
                elif source == "known":
                    mapping.notes.append(f"{source}: header {header!r} for {name} not found")
            elif header in used:
                mapping.notes.append(f"{source}: header {header!r} already mapped; {name} skipped")
            else:
                mapping.fields[name] = header
                mapping.scores[name] = 1.0
                mapping.sources[name] = source
                used.add(header)
    preset = set(mapping.fields)
    recalled = {n for n in preset if mapping.sources[n] == "remembered"}
    if memory.fallbacks is not None:
        for name in recalled & set(memory.fallbacks):
            chain = [h for h in memory.fallbacks[name] if h in present and h not in used]
            if chain:
                mapping.fallbacks[name] = chain
                used.update(chain)
    # an older flat memory: detection supplies the fallback chains of the fields it recalls
    open_for_fallbacks = recalled if memory.fallbacks is None else set()

    candidates = sorted(
        c
        for position, header in enumerate(headers)
        if header not in used
        for c in _candidates(header, position)
        if c.name not in preset or c.name in open_for_fallbacks
    )
    for cand in candidates:
        if cand.name in mapping.fields or cand.header in used:
            continue
        mapping.fields[cand.name] = cand.header
        mapping.scores[cand.name] = round(cand.score, 3)
        mapping.sources[cand.name] = cand.source
        used.add(cand.header)
    for cand in candidates:
        if (
            cand.name in FALLBACK_FIELDS
            and (cand.name not in preset or cand.name in open_for_fallbacks)
            and cand.header not in used
            and cand.score >= 1.0
        ):
            mapping.fallbacks.setdefault(cand.name, []).append(cand.header)
            used.add(cand.header)

    _promote(mapping, "price", "price_excl_vat")
    if _promote(mapping, "stock", "stock_quantity"):
        mapping.stock_is_quantity = True
    elif "stock" in recalled:
        quantity = memory.stock_is_quantity
        if quantity is None:  # older memory: read the header as detection would
            quantity = _alias_field(mapping.fields["stock"]) == "stock_quantity"
        mapping.stock_is_quantity = quantity
    mapping.missing_required = [f for f in REQUIRED_FIELDS if f not in mapping.fields]
    mapping.unmapped = [h for h in headers if h not in used]
    return mapping


# fields detection fills from another field's column when the file has none of its own
# (`_promote`): a lone "Lagersaldo" is the stock, a lone "Pris exkl. moms" the price
_PROMOTED = {"stock": "stock_quantity", "price": "price_excl_vat"}


def _unpromoted(fields: dict[str, str], headers: list[str]) -> dict[str, str]:
    """A remembered reading, with each promoted column given back to its own field when this
    file also has a column of the field itself: a retailer whose old file had only
    "Lagersaldo" (remembered as the stock) and who now sends the feed template, with
    "Lagerstatus" and "Lagersaldo", has its stock read from "Lagerstatus" and its quantity
    from "Lagersaldo", not "Lagerstatus" left unread."""
    out = dict(fields)
    taken = set(fields.values())
    for target, source in _PROMOTED.items():
        header = out.get(target)
        if header is None or _alias_field(header) != source or source in out:
            continue
        if any(_alias_field(h) == target for h in headers if h not in taken):
            out[source] = out.pop(target)
    return out


def _alias_field(header: str) -> str | None:
    key = normalize_header(header)
    hit = _ALIAS_INDEX.get(key) or _ALIAS_INDEX.get(key.replace(" ", ""))
    return hit[0] if hit is not None else None


def _candidates(header: str, position: int) -> list[_Candidate]:
    key = normalize_header(header)
    if not key:
        return []
    hit = _ALIAS_INDEX.get(key) or _ALIAS_INDEX.get(key.replace(" ", ""))
    if hit is not None:
        return [_Candidate(-1.0, hit[1], position, hit[0], header, 1.0, "alias")]
    found: list[_Candidate] = []
    if len(key) >= FUZZY_MIN_LENGTH:
        for _alias, score, idx in process.extract(
            key, _FUZZY_KEYS, scorer=_fuzzy_score, score_cutoff=FUZZY_CUTOFF, limit=5
        ):
            name, rank = _FUZZY_TARGETS[idx]
            found.append(
                _Candidate(-score / 100, rank, position, name, header, score / 100, "fuzzy")
            )
    for token in key.split():
        target = STRONG_TOKENS.get(token)
        if target is not None:
            found.append(
                _Candidate(-CONTAINS_SCORE, 0, position, target, header, CONTAINS_SCORE, "token")
            )
            break
    return found


def _fuzzy_score(a: str, b: str, *, score_cutoff: float | None = None, **_: object) -> float:
    return max(
        fuzz.ratio(a, b, score_cutoff=score_cutoff),
        fuzz.token_sort_ratio(a, b, score_cutoff=score_cutoff),
    )


def _promote(mapping: ColumnMapping, target: str, source: str) -> bool:
    """Use ``source``'s header for ``target`` when ``target`` found none."""
    if target in mapping.fields or source not in mapping.fields:
        return False
    mapping.fields[target] = mapping.fields.pop(source)
    mapping.scores[target] = mapping.scores.pop(source)
    mapping.sources[target] = mapping.sources.pop(source)
    if source in mapping.fallbacks:
        mapping.fallbacks[target] = mapping.fallbacks.pop(source)
    return True


def require_complete(
    mapping: ColumnMapping, headers: list[str], file: str | None = None, *, partial: bool = False
) -> None:
    """Raise :class:`MissingColumnsError` when a required field has no column, or when the
    override (a mapping file or a corrected mapping) names a header the file does not have.

    ``partial`` (a delta feed): a SKU column and any other recognised column suffice, e.g.
    ``Artikelnummer;Lagersaldo``; such a file only updates existing offers
    (`indexer.partial`), and ``mapping.notes`` says so."""
    missing = list(mapping.missing_required)
    if partial and missing and "sku" in mapping.fields and len(mapping.fields) > 1:
        mapping.notes.append(
            f"no {', '.join(missing)} column: this delta only updates existing offers"
        )
        missing = []
    if missing or mapping.override_absent:
        raise MissingColumnsError(missing, list(headers), file, dict(mapping.override_absent))


def load_mapping_file(path: str | Path) -> dict[str, str]:
    """Read a mapping file (TOML or JSON) of ``field = "Header"`` pairs.

    The pairs may sit at the top level or in a ``[columns]`` table. Unknown fields, non-string
    headers and unreadable files raise :class:`MappingFileError` naming the file.
    """
    file = Path(path)
    try:
        raw_text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise MappingFileError(f"{file}: cannot read mapping file: {exc.strerror}") from exc
    try:
        if file.suffix.casefold() == ".json":
            data: object = json.loads(raw_text)
        else:
            data = tomllib.loads(raw_text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MappingFileError(
            f"{file}: not valid {file.suffix.lstrip('.') or 'TOML'}: {exc}"
        ) from exc
    if isinstance(data, dict) and isinstance(data.get("columns"), dict):
        data = data["columns"]
    if not isinstance(data, dict):
        raise MappingFileError(f'{file}: expected a table of field = "Header" pairs')
    unknown = sorted(str(k) for k in data if k not in CANONICAL_FIELDS)
    if unknown:
        raise MappingFileError(
            f"{file}: unknown field(s) {', '.join(unknown)}; "
            f"valid fields: {', '.join(CANONICAL_FIELDS)}"
        )
    result: dict[str, str] = {}
    for name, header in data.items():
        if not isinstance(header, str) or not header.strip():
            raise MappingFileError(f"{file}: field {name!r} must map to a header name (a string)")
        result[str(name)] = header
    return result

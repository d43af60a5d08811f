"""Format and encoding detection from content (never from the file name).

`sniff_format` looks at the first bytes of a file and returns one of `SUPPORTED_FORMATS`,
one of `MANUFACTURER_FORMATS` (GUDID, BMEcat, Icecat: read by `valbar catalog import`),
or one of ``"empty"``, ``"xml"``, ``"unknown"`` for content no reader takes. Workbooks are
told by content: an OLE2 compound file is legacy Excel (``"xls"``), a zip archive whose stored
``mimetype`` names an OpenDocument spreadsheet is ``"ods"``.

Where a table's header is (`header_index`, used for delimited text and workbooks alike): the
first of the first 20 non-empty rows that has at least two non-empty cells. Rows above it
with a single cell are titles ("Prislista Dentalgrossisten 2026", a merged banner) or Excel's
``sep=;`` line, and are skipped; when none of the first 20 rows has two cells, the first row
is the header. A ``sep=X`` first line also names the delimiter (`sep_hint`).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Sequence
from pathlib import Path

from indexer.feeds.limits import ENCODING_PREFIX_BYTES

SUPPORTED_FORMATS: tuple[str, ...] = (
    "csv",
    "tsv",
    "xlsx",
    "xls",
    "ods",
    "json",
    "jsonl",
    "jsonld",
    "google_rss",
    "google_tsv",
    "woocommerce_csv",
    "woocommerce_wxr",
    "shopify_csv",
    "magento_csv",
    "prestashop_csv",
)
DELIMITED_FORMATS: frozenset[str] = frozenset(
    {"csv", "tsv", "google_tsv", "woocommerce_csv", "shopify_csv", "magento_csv", "prestashop_csv"}
)
MANUFACTURER_FORMATS: tuple[str, ...] = ("gudid_xml", "bmecat_xml", "icecat_xml")
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")

GOOGLE_NS = b"http://base.google.com/ns/1.0"
WXR_NS = b"wordpress.org/export/"
GUDID_NS = b"fda.gov/cdrh/gudid"

_ZIP_MAGIC = b"PK\x03\x04"
_ODS_MIMETYPE = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XML_SKIP = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\]\s*)?>)", re.S | re.I)
_ROOT_TAG = re.compile(r"\s*<([A-Za-z_][\w:.\-]*)")
_SEP_LINE = re.compile(r"\ufeff?sep=(.)[ \t]*\r?(?:\n|$)", re.I)
_NON_ASCII = re.compile(rb"[\x80-\xff]")

HEADER_SEARCH_ROWS = 20  # non-empty rows `header_index` looks at
REPLACEMENT = "\ufffd"  # what an undecodable byte of a UTF-8 file reads as
LENIENT_ENCODINGS = frozenset({"utf-8", "utf-8-sig"})  # decoded with errors="replace"


def header_index(rows: Sequence[Sequence[str]]) -> int:
    """Index of the header among a table's first non-empty rows (see the module docstring)."""
    for i, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for cell in cells if cell.strip()) >= 2:
            return i
    return 0


def sep_hint(text: str) -> str | None:
    """The delimiter named by Excel's ``sep=;`` first line, if the text starts with one."""
    m = _SEP_LINE.match(text)
    return m.group(1) if m else None


def detect_encoding(prefix: bytes) -> str:
    """Return the codec of a text file from its first bytes (see `detect_file_encoding`).

    BOMs win (``utf-8-sig``, ``utf-16``, ``utf-32``); BOM-less UTF-16 is recognised by its
    zero bytes; otherwise the prefix must decode as strict UTF-8, else ``cp1252`` (the usual
    Excel export on Swedish Windows) or, when cp1252 has undefined bytes, ``latin-1``.
    """
    if prefix.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if prefix.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if prefix.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = prefix[:512]
    if len(sample) >= 4:
        even_zero = sample[0::2].count(0)
        odd_zero = sample[1::2].count(0)
        half = len(sample) // 2
        if odd_zero > 0.4 * half and even_zero < 0.05 * half:
            return "utf-16-le"
        if even_zero > 0.4 * half and odd_zero < 0.05 * half:
            return "utf-16-be"
    return _eight_bit_codec(prefix)


def _mostly_utf8(sample: bytes) -> bool:
    """Whether ``sample`` holds more valid multi-byte UTF-8 characters than invalid bytes: a
    UTF-8 file with a few corrupt bytes (one pasted cp1252 value), not a cp1252 file."""
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(sample, final=False)
    bad = text.count(REPLACEMENT)
    good = sum(1 for ch in text if ch > "\x7f") - bad
    return good > bad


def _eight_bit_codec(sample: bytes) -> str:
    """UTF-8 when ``sample`` decodes strictly as UTF-8 or is mostly UTF-8 (`_mostly_utf8`: the
    few bad bytes are replaced and reported at their rows), else cp1252, else latin-1."""
    try:
        codecs.getincrementaldecoder("utf-8")(errors="strict").decode(sample, final=False)
    except UnicodeDecodeError:
        if _mostly_utf8(sample):
            return "utf-8"
        try:
            sample.decode("cp1252")
        except UnicodeDecodeError:
            return "latin-1"
        return "cp1252"
    return "utf-8"


def detect_file_encoding(path: Path) -> str:
    """The codec of a text file: `detect_encoding` of its first MiB, and when that MiB is
    plain ASCII (no evidence either way), the first MiB from the first non-ASCII byte on.

    A cp1252 export whose first "å" comes after a megabyte of ASCII is thereby read as
    cp1252; a file that shows valid UTF-8 first (or mostly valid UTF-8: more good multi-byte
    characters than bad bytes) stays UTF-8, and its undecodable bytes are replaced by U+FFFD
    and reported as a warning at their rows by the reader, never a silent cp1252 reading of
    the whole file. Reads 1 MiB at a time, once at most.
    """
    with path.open("rb") as fh:
        prefix = fh.read(ENCODING_PREFIX_BYTES)
        encoding = detect_encoding(prefix)
        if encoding != "utf-8" or not prefix.isascii():
            return encoding
        while chunk := fh.read(ENCODING_PREFIX_BYTES):
            found = _NON_ASCII.search(chunk)
            if found is None:
                continue
            sample = chunk[found.start() :]
            sample += fh.read(ENCODING_PREFIX_BYTES - len(sample))
            return _eight_bit_codec(sample)
    return "utf-8"


def decode_head(head: bytes, encoding: str) -> str:
    """Decode a prefix for sniffing: a character cut at the end is dropped, not an error."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text: str = decoder.decode(head, final=False)
    return text.removeprefix("\ufeff")


def looks_binary(text: str) -> bool:
    """True for decoded content with NULs or many control characters (images, archives)."""
    sample = text[:8192]
    if not sample:
        return False
    if "\x00" in sample:
        return True
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\f\v")
    return controls > len(sample) * 0.01


def _title_lines(text: str) -> int:
    """How many leading lines of ``text`` are titles: lines with one non-empty cell whichever
    the delimiter, followed within `HEADER_SEARCH_ROWS` lines by one with more."""
    seen = 0
    for i, line in enumerate(text.splitlines()[:HEADER_SEARCH_ROWS]):
        if not line.strip():
            continue
        if max(len([c for c in line.split(d) if c.strip()]) for d in DELIMITERS) >= 2:
            return i if seen else 0
        seen += 1
    return 0


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter of a delimited text from its first records.

    Each candidate parses the sample; the winner gives a header of 2+ columns that most
    following records agree with (a trailing delimiter counts as agreeing). Title lines above
    the header (`_title_lines`) are left out; a ``sep=X`` first line decides outright.
    """
    hint = sep_hint(text)
    if hint is not None:
        return hint
    titles = _title_lines(text)
    if titles:
        text = "".join(text.splitlines(keepends=True)[titles:])
    best = ","
    best_score: tuple[int, int] = (-1, -1)
    for delim in DELIMITERS:
        reader = csv.reader(io.StringIO(text), delimiter=delim)
        rows: list[list[str]] = []
        try:
            for row in reader:
                if any(row):
                    rows.append(row)
                if len(rows) >= 20:
                    break
        except csv.Error:
            continue
        if not rows:
            continue
        width = len(rows[0])
        if width < 2:
            continue
        body = rows[1:-1] if len(rows) > 2 else rows[1:]  # the last row may be cut off
        agree = sum(1 for r in body if len(r) in (width, width + 1))
        score = (agree, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def first_record(text: str, delimiter: str) -> list[str]:
    """The header record of a delimited text's head (title rows skipped, see `header_index`)."""
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            if any(row):
                rows.append([cell.strip().removeprefix("\ufeff") for cell in row])
            if len(rows) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass
    return rows[header_index(rows)] if rows else []


def _norm(header: str) -> str:
    return header.strip().lower().replace(" ", "_")


def classify_headers(headers: list[str], delimiter: str) -> str:
    """Name the platform that exported a delimited file from its header row."""
    hs = set(headers)
    low = {_norm(h) for h in headers}
    if {"Handle", "Title"} <= hs and hs & {"Variant SKU", "Variant Price", "Option1 Value"}:
        return "shopify_csv"
    if {"sku", "product_type"} <= hs and hs & {"attribute_set_code", "store_view_code"}:
        return "magento_csv"
    if "Name *" in hs or {"Reference #", "Price tax excluded"} <= hs:
        return "prestashop_csv"
    if {"Type", "SKU", "Name"} <= hs and hs & {"Regular price", "In stock?", "Parent"}:
        return "woocommerce_csv"
    if {"id", "title", "price"} <= low and low & {"availability", "link", "image_link"}:
        return "google_tsv"
    return "tsv" if delimiter == "\t" else "csv"


def _xml_format(text: str, head: bytes) -> str:
    pos = 0
    while True:
        m = _XML_SKIP.match(text, pos)
        if m is None or m.end() == pos:
            break
        pos = m.end()
    root = _ROOT_TAG.match(text, pos)
    name = root.group(1).rsplit(":", 1)[-1].lower() if root else ""
    if name in ("rss", "feed"):
        if GOOGLE_NS in head:
            return "google_rss"
        if WXR_NS in head:
            return "woocommerce_wxr"
        return "xml"
    if name == "bmecat":
        return "bmecat_xml"
    if name == "icecat-interface":
        return "icecat_xml"
    if GUDID_NS in head or name in ("gudid", "devices"):
        return "gudid_xml"
    if name == "html" and "application/ld+json" in text:
        return "jsonld"
    return "xml"


def _has_jsonld(text: str) -> bool:
    return '"@context"' in text and "schema.org" in text and '"@type"' in text


def _json_format(text: str) -> str:
    stripped = text.lstrip()
    first, _, rest = stripped.partition("\n")
    if stripped.startswith("{") and rest.lstrip().startswith("{"):
        try:
            json.loads(first)
        except json.JSONDecodeError:
            pass
        else:
            return "jsonl"
    if _has_jsonld(text):
        return "jsonld"
    return "json"


def sniff_format(head: bytes) -> str:
    """Classify a file from its first bytes (64 KiB is plenty); see the module docstring."""
    if not head:
        return "empty"
    if head.startswith(_ZIP_MAGIC):
        if _ODS_MIMETYPE in head[:200]:
            return "ods"
        return "xlsx" if b"xl/" in head or b"[Content_Types].xml" in head else "unknown"
    if head.startswith(_OLE2_MAGIC):
        return "xls"
    text = decode_head(head, detect_encoding(head))
    if looks_binary(text):
        return "unknown"
    stripped = text.lstrip()
    if not stripped:
        return "unknown"
    if stripped.startswith("<"):
        return _xml_format(stripped, head)
    if stripped[0] in "{[":
        return _json_format(stripped)
    if _has_jsonld(text) and ("JSON-LD" in text or "application/ld+json" in text):
        return "jsonld"
    delimiter = sniff_delimiter(text)
    headers = first_record(text, delimiter)
    return classify_headers(headers, delimiter)

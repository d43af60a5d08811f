"""Retailer feed readers: detect the format from content and stream headers + raw rows.

    table = read_feed(path, max_bytes=200_000_000, max_line_bytes=1_000_000)
    table.format, table.encoding, table.headers, table.known_mapping
    for row in table.rows: ...   # RawRow(row=<1-based line/row in the file>, values={...})

Every refusal is a `FeedFormatError` (see `indexer.feeds.errors` for the subclasses).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from indexer import xmlsafe
from indexer.errors import FeedFormatError, FeedTooLarge, UnsafeXmlError
from indexer.feeds.archive import (
    DEFAULT_MAX_RATIO,
    DEFAULT_MAX_UNZIPPED_BYTES,
    ArchiveBomb,
    check_archive,
)
from indexer.feeds.csv_reader import DelimitedFile
from indexer.feeds.detect import (
    DELIMITED_FORMATS,
    MANUFACTURER_FORMATS,
    SUPPORTED_FORMATS,
    classify_headers,
    decode_head,
    detect_encoding,
    detect_file_encoding,
    sniff_delimiter,
    sniff_format,
)
from indexer.feeds.errors import (
    EmptyFeedFile,
    FeedEncodingError,
    ManufacturerCatalogFile,
    TruncatedFeed,
    UnsupportedFeedFormat,
)
from indexer.feeds.excel_reader import ExcelFile
from indexer.feeds.json_reader import read_json, read_jsonl
from indexer.feeds.jsonld_reader import read_jsonld
from indexer.feeds.limits import HEAD_BYTES, check_file_size, read_prefix
from indexer.feeds.platforms import (
    PlatformRows,
    apply_google_tsv,
    apply_magento,
    apply_prestashop,
    apply_shopify,
    apply_woocommerce,
)
from indexer.feeds.spreadsheet_reader import SpreadsheetFile, read_ods_archive
from indexer.feeds.xml_feeds import read_google_rss, read_wxr
from indexer.messages import Message
from indexer.records import FeedTable, RawRow

__all__ = [
    "MANUFACTURER_FORMATS",
    "SUPPORTED_FORMATS",
    "ArchiveBomb",
    "EmptyFeedFile",
    "FeedEncodingError",
    "FeedFormatError",
    "FeedTooLarge",
    "ManufacturerCatalogFile",
    "TruncatedFeed",
    "UnsafeXmlError",
    "UnsupportedFeedFormat",
    "detect_encoding",
    "read_feed",
    "sniff_format",
]

MAGENTO_LOOKAHEAD = 1000
_XML_ENCODING = re.compile(rb"""(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding=["']([A-Za-z0-9._-]+)["']""")
_MANUFACTURER_NAMES = {"gudid_xml": "FDA GUDID", "bmecat_xml": "BMEcat", "icecat_xml": "Icecat"}


NESTED_TOO_DEEPLY = Message("file.nested_too_deeply")


def read_feed(
    path: Path,
    *,
    format: str = "auto",
    max_bytes: int,
    max_line_bytes: int,
    file_name: str | None = None,
    max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED_BYTES,
    max_zip_ratio: float = DEFAULT_MAX_RATIO,
) -> FeedTable:
    """Open a retailer feed: size checks, format detection, headers; rows stream lazily.

    ``format`` overrides detection with any value of `SUPPORTED_FORMATS`. ``file_name`` is the
    name shown in error messages (the upload's original name), default ``path.name``.
    A workbook (a zip archive) is checked against ``max_unzipped_bytes`` and ``max_zip_ratio``
    before anything in it is unpacked (`indexer.feeds.archive`).
    Raises a `FeedFormatError` subclass for anything it will not read, also while the rows
    stream: a document nested past the parser's recursion limit (``[[[[...`` 200,000 deep, a
    few hundred KB) is refused naming the file, not a crash of the preview or the run.
    """
    file = file_name or path.name
    try:
        table = _read_feed(
            path, file, format, max_bytes, max_line_bytes, max_unzipped_bytes, max_zip_ratio
        )
    except RecursionError:
        raise FeedFormatError(NESTED_TOO_DEEPLY, file=file) from None
    table.rows = _nesting_bounded(table.rows, file)
    return table


def _nesting_bounded(rows: Iterator[RawRow], file: str) -> Iterator[RawRow]:
    try:
        yield from rows
    except RecursionError:
        raise FeedFormatError(NESTED_TOO_DEEPLY, file=file) from None


def _read_feed(
    path: Path,
    file: str,
    format: str,
    max_bytes: int,
    max_line_bytes: int,
    max_unzipped_bytes: int,
    max_zip_ratio: float,
) -> FeedTable:
    if format != "auto" and format not in SUPPORTED_FORMATS:
        raise UnsupportedFeedFormat(
            Message("file.unknown_format", format=format, choices=", ".join(SUPPORTED_FORMATS)),
            file=file,
        )
    check_file_size(path, max_bytes, file)
    head = read_prefix(path, HEAD_BYTES)
    fmt = sniff_format(head) if format == "auto" else format
    if fmt in MANUFACTURER_FORMATS:
        raise ManufacturerCatalogFile(_MANUFACTURER_NAMES[fmt], file=file)
    if fmt in ("google_rss", "woocommerce_wxr", "xml"):
        xmlsafe.check_prolog(head, file)  # entity declarations: refused whatever the root
    if fmt not in SUPPORTED_FORMATS:
        what = "what.xml" if fmt == "xml" else "what.binary"
        raise UnsupportedFeedFormat(
            Message("file.unsupported", what=what),
            file=file,
        )
    if fmt == "xlsx":
        return _read_xlsx(path, file, max_unzipped_bytes, max_zip_ratio)
    if fmt in ("xls", "ods"):
        return _read_spreadsheet(path, fmt, file, max_unzipped_bytes, max_zip_ratio)
    if fmt in ("google_rss", "woocommerce_wxr"):
        return _read_xml(path, fmt, file, xml_encoding(head))
    encoding = detect_file_encoding(path)
    if fmt == "jsonld":
        headers, rows, mapping = read_jsonld(path, encoding=encoding, file=file)
        return FeedTable("jsonld", encoding, headers, iter(rows), known_mapping=mapping, items=True)
    if fmt in ("json", "jsonl"):
        reader = read_json if fmt == "json" else read_jsonl
        headers, json_rows = reader(
            path, encoding=encoding, max_line_bytes=max_line_bytes, file=file
        )
        return FeedTable(fmt, encoding, headers, json_rows, items=True)
    if fmt in DELIMITED_FORMATS:
        return _read_delimited(path, fmt, encoding, head, max_line_bytes, file, forced=format)
    raise UnsupportedFeedFormat(Message("file.no_reader", format=fmt), file=file)


def _read_xlsx(path: Path, file: str, max_unzipped_bytes: int, max_ratio: float) -> FeedTable:
    if not zipfile.is_zipfile(path):
        raise UnsupportedFeedFormat(Message("file.not_xlsx"), file=file)
    with zipfile.ZipFile(path) as zf:
        if "xl/workbook.xml" not in zf.namelist():
            raise UnsupportedFeedFormat(
                Message("file.zip_not_xlsx"),
                file=file,
            )
    check_archive(path, file=file, max_unzipped_bytes=max_unzipped_bytes, max_ratio=max_ratio)
    book = ExcelFile(path, file=file)
    notes = [f"sheet {book.sheet!r}, header on row {book.header_row}"]
    return FeedTable("xlsx", None, book.headers, book.rows(), notes=notes)


def _read_spreadsheet(
    path: Path, fmt: str, file: str, max_unzipped_bytes: int, max_ratio: float
) -> FeedTable:
    """A legacy Excel (.xls) or OpenDocument (.ods) file (`indexer.feeds.spreadsheet_reader`)."""
    if fmt == "ods":
        if not zipfile.is_zipfile(path):
            raise UnsupportedFeedFormat(Message("file.not_ods"), file=file)
        book = read_ods_archive(
            path, file=file, max_unzipped_bytes=max_unzipped_bytes, max_ratio=max_ratio
        )
    else:
        book = SpreadsheetFile(path, file=file, kind="xls")
    notes = [f"sheet {book.sheet!r}, header on row {book.header_row}"]
    return FeedTable(fmt, None, book.headers, book.rows(), notes=notes)


def xml_encoding(head: bytes) -> str:
    """The encoding an XML parser will use: the declaration's, else UTF-8 (or a BOM's)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    m = _XML_ENCODING.match(head)
    return m.group(1).decode("ascii").lower() if m else "utf-8"


def _read_xml(path: Path, fmt: str, file: str, encoding: str) -> FeedTable:
    notes: list[str] = []
    if fmt == "google_rss":
        headers, rows, mapping = read_google_rss(path, file=file)
    else:
        headers, rows, mapping = read_wxr(path, file=file, notes=notes)
    return FeedTable(fmt, encoding, headers, rows, known_mapping=mapping, notes=notes, items=True)


def _read_delimited(
    path: Path,
    fmt: str,
    encoding: str,
    head: bytes,
    max_line_bytes: int,
    file: str,
    *,
    forced: str,
) -> FeedTable:
    delimiter = (
        "\t" if forced in ("tsv", "google_tsv") else sniff_delimiter(decode_head(head, encoding))
    )
    table = DelimitedFile(
        path, encoding=encoding, delimiter=delimiter, max_line_bytes=max_line_bytes, file=file
    )
    if forced == "auto":
        # The real header row decides (the sniffed head may have cut it short).
        fmt = classify_headers(table.headers, delimiter)
    platform = _apply_platform(fmt, table, file)
    # platform.notes is filled while the rows stream (e.g. "12 parent rows skipped").
    return FeedTable(
        fmt,
        encoding,
        platform.headers,
        platform.rows,
        known_mapping=platform.known_mapping,
        notes=platform.notes,
    )


def _apply_platform(fmt: str, table: DelimitedFile, file: str) -> PlatformRows:
    headers, rows = table.headers, table.rows()
    if fmt == "shopify_csv":
        return apply_shopify(headers, rows, file)
    if fmt == "magento_csv":
        lookahead: list[RawRow] = list(islice(rows, MAGENTO_LOOKAHEAD))
        return apply_magento(headers, rows, file, lookahead)
    if fmt == "prestashop_csv":
        return apply_prestashop(headers, rows, file)
    if fmt == "woocommerce_csv":
        return apply_woocommerce(headers, rows, file)
    if fmt == "google_tsv":
        return apply_google_tsv(headers, rows, file)
    return PlatformRows(headers, rows, {})

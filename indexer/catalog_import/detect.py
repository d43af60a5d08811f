"""Catalog format detection (from content, never the extension) and the one entry point.

``read_catalog(path)`` walks a file / directory / archive, detects each stream's format
and yields ProductRecords and CatalogRowErrors. It raises :class:`CatalogFormatError`
for a file given directly that cannot be read, and
:class:`~indexer.errors.UnsafeXmlError` for XML that declares entities.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from catalog.records import ProductRecord
from indexer.catalog_import.bmecat import read_bmecat
from indexer.catalog_import.csv_catalog import read_csv_catalog
from indexer.catalog_import.errors import CatalogFormatError, CatalogRowError
from indexer.catalog_import.gudid import read_gudid
from indexer.catalog_import.icecat import read_icecat
from indexer.catalog_import.sources import iter_catalog_files
from indexer.catalog_import.valbar_jsonl import FORMAT as VALBAR_JSONL
from indexer.catalog_import.valbar_jsonl import read_valbar_jsonl

Reader = Callable[[IO[bytes], str], Iterator[ProductRecord | CatalogRowError]]

READERS: dict[str, Reader] = {
    "gudid": read_gudid,
    "bmecat": read_bmecat,
    "icecat": read_icecat,
    "csv": read_csv_catalog,
    VALBAR_JSONL: read_valbar_jsonl,
}
FORMATS: tuple[str, ...] = tuple(READERS)

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# Skip the XML declaration, comments, processing instructions and the DOCTYPE.
_PROLOG_ITEM = re.compile(rb"\s*(<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(\[.*?\]\s*)?>)", re.S)
_ROOT = re.compile(rb"\s*<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_CSV_DELIMITERS = (",", ";", "\t", "|")


def _strip_bom(head: bytes) -> bytes:
    for bom in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :]
    return head


def _xml_root(head: bytes) -> str | None:
    pos = 0
    while m := _PROLOG_ITEM.match(head, pos):
        pos = m.end()
    root = _ROOT.match(head, pos)
    return root.group(2).decode("ascii") if root else None


def _first_line(head: bytes) -> str | None:
    line = head.split(b"\n", 1)[0].strip(b"\r")
    for encoding in ("utf-8", "cp1252"):
        try:
            return line.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def detect_catalog_format(head: bytes) -> str:
    """One of :data:`FORMATS` for the first bytes of a (decompressed) file.

    Raises CatalogFormatError when the content is none of them.
    """
    body = _strip_bom(head).lstrip()
    if body.startswith(b"<"):
        root = _xml_root(body)
        if root in ("devices", "device") or b"fda.gov/cdrh/gudid" in body[:4096]:
            return "gudid"
        if root is not None and root.upper() == "BMECAT":
            return "bmecat"
        if root == "ICECAT-interface":
            return "icecat"
        raise CatalogFormatError(f"XML with root <{root}> is not a known catalog format")
    if body.startswith(b"{"):
        line = body.split(b"\n", 1)[0]
        try:
            data = json.loads(line)
        except ValueError:
            data = None
        if isinstance(data, dict) and "source_key" in data and "name" in data:
            return VALBAR_JSONL
        raise CatalogFormatError("JSON that is not a Valbar catalog (one record per line)")
    if b"\x00" not in body[:4096]:
        first = _first_line(body)
        if first and any(first.count(d) >= 1 for d in _CSV_DELIMITERS):
            return "csv"
    raise CatalogFormatError("not a catalog file (GUDID, BMEcat, Icecat, CSV or Valbar JSONL)")


def read_catalog(path: Path, format: str = "auto") -> Iterator[ProductRecord | CatalogRowError]:
    """Records and row errors from every catalog stream under ``path``.

    ``format`` forces one reader for every stream (one of :data:`FORMATS`); ``"auto"``
    detects each stream's format from its content. Inside a directory or archive, a
    stream that is not a catalog (or turns out unreadable) is reported as a row error and
    skipped; XML declaring entities is refused (UnsafeXmlError) wherever it is found.
    """
    if format != "auto" and format not in READERS:
        raise CatalogFormatError(f"unknown catalog format {format!r}; one of {FORMATS}")
    for source in iter_catalog_files(path):
        try:
            fmt = format if format != "auto" else detect_catalog_format(source.head)
        except CatalogFormatError as exc:
            if not source.in_container:
                raise CatalogFormatError(str(exc), file=source.name) from exc
            yield CatalogRowError(source.name, "-", "format", f"skipped: {exc}")
            continue
        with source.open() as stream:
            try:
                yield from READERS[fmt](stream, source.name)
            except CatalogFormatError as exc:
                if not source.in_container:
                    raise
                yield CatalogRowError(source.name, "-", "format", f"skipped: {exc}")

"""Streaming, safe XML access for the catalog readers.

All parsing goes through :mod:`indexer.xmlsafe` (no DTD loading, no entities, no network).
Catalog formats add one wrinkle: BMEcat 1.x files carry a DOCTYPE whose internal subset
declares *parameter* entities and UDX elements, and Icecat files point at a remote DTD.
Neither is needed to read the data, so the DOCTYPE is blanked out (replaced by spaces,
newlines kept so line numbers stay right) before the parser sees it. A DOCTYPE that
declares *general* entities (``<!ENTITY name ...>``, the billion-laughs and external-entity
vectors) is refused with :class:`~indexer.errors.UnsafeXmlError`; entity references left
in the body are then undefined and fail as malformed XML.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import IO

from lxml import etree

from indexer import xmlsafe
from indexer.catalog_import.errors import CatalogFormatError
from indexer.errors import FeedFormatError, UnsafeXmlError
from indexer.messages import Message

PROLOG_BYTES = 64 * 1024
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_SUBSET_END = re.compile(rb"\]\s*>")
_GENERAL_ENTITY = re.compile(rb"<!ENTITY\s+(?!%)", re.IGNORECASE)


def blank_doctype(head: bytes, file: str | None = None) -> bytes:
    """``head`` with its DOCTYPE replaced by whitespace (same length); refuses entities."""
    m = _DOCTYPE.search(head)
    if m is None:
        return head
    gt = head.find(b">", m.end())
    bracket = head.find(b"[", m.end())
    if bracket != -1 and (gt == -1 or bracket < gt):
        end_m = _SUBSET_END.search(head, bracket)
        end = end_m.end() if end_m else -1
    else:
        end = gt + 1 if gt != -1 else -1
    if end == -1:
        raise CatalogFormatError("DOCTYPE is not closed within the first 64 KiB", file=file)
    span = head[m.start() : end]
    if _GENERAL_ENTITY.search(span):
        raise UnsafeXmlError(Message("file.xml_general_entities"), file=file)
    blank = bytes(b if b == 0x0A else 0x20 for b in span)
    return head[: m.start()] + blank + head[end:]


class _PatchedHeadReader(io.RawIOBase):
    """Serve a rewritten head, then the rest of ``raw``; supports ``seek(0)``."""

    def __init__(self, raw: IO[bytes], head: bytes) -> None:
        self._raw = raw
        self._head = head
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if offset != 0 or whence != io.SEEK_SET:
            raise io.UnsupportedOperation("only seek(0) is supported")
        self._pos = 0
        self._raw.seek(len(self._head))
        return 0

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._pos < len(self._head):
            chunk = self._head[self._pos : self._pos + len(buffer)]
        else:
            chunk = self._raw.read(len(buffer))
        n = len(chunk)
        buffer[:n] = chunk
        self._pos += n
        return n


def safe_stream(stream: IO[bytes], file: str | None = None) -> IO[bytes]:
    """``stream`` ready for :func:`indexer.xmlsafe.iterparse` (DOCTYPE blanked if present)."""
    head = stream.read(PROLOG_BYTES)
    patched = blank_doctype(head, file)
    if patched is head:
        stream.seek(0)
        return stream
    return io.BufferedReader(_PatchedHeadReader(stream, patched))


def iter_elements(stream: IO[bytes], tags: set[str], file: str) -> Iterator[etree._Element]:
    """Stream elements with a local name in ``tags``; malformed XML -> CatalogFormatError.

    The caller clears what it consumed (``elem.clear()``) to keep memory flat.
    """
    try:
        yield from xmlsafe.iterparse(safe_stream(stream, file), tags, file)
    except UnsafeXmlError:
        raise
    except FeedFormatError as exc:
        err = CatalogFormatError(str(exc))
        err.file, err.row = exc.file, exc.row
        raise err from exc


def text(elem: etree._Element | None) -> str | None:
    """Stripped text of ``elem``; None when missing, empty or ``xsi:nil="true"``."""
    if elem is None or elem.get(XSI_NIL) == "true":
        return None
    value = elem.text
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def children(elem: etree._Element) -> Iterator[tuple[str, etree._Element]]:
    """(local name, child) for the element children of ``elem`` (comments skipped)."""
    for child in elem:
        tag = child.tag
        if isinstance(tag, str):
            yield tag.rsplit("}", 1)[-1], child


def child(elem: etree._Element, name: str) -> etree._Element | None:
    """The first element child with local name ``name``."""
    for local, node in children(elem):
        if local == name:
            return node
    return None


def child_text(elem: etree._Element, name: str) -> str | None:
    return text(child(elem, name))

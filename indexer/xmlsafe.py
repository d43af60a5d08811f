"""Safe XML parsing for untrusted uploads: no DTD loading, no entities, no network.

Every XML reader in Valbar goes through here. Entity declarations are refused outright
(billion laughs, external entities); a plain DOCTYPE without declarations (as BMEcat 1.2
and Icecat files carry) is tolerated but never loaded or resolved.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from lxml import etree

from indexer.errors import UnsafeXmlError
from indexer.messages import Message

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_PROLOG_SCAN_BYTES = 64 * 1024


def check_prolog(head: bytes, file: str | None = None) -> None:
    """Refuse documents that declare entities in their prolog (before the root element)."""
    m = _DOCTYPE.search(head)
    if m is None:
        return
    # The internal subset ends at the first "]>" after DOCTYPE, or the DOCTYPE ends at ">".
    end = head.find(b"]>", m.end())
    subset = head[m.end() : end if end != -1 else len(head)]
    if _ENTITY_DECL.search(subset):
        raise UnsafeXmlError(Message("file.xml_entities"), file=file)


def _parser_kwargs() -> dict[str, bool]:
    return {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "dtd_validation": False,
        "huge_tree": False,
    }


def parse_bytes(data: bytes, file: str | None = None) -> etree._Element:
    """Parse a whole (small) document safely and return its root."""
    check_prolog(data[:_PROLOG_SCAN_BYTES], file)
    parser = etree.XMLParser(remove_comments=True, **_parser_kwargs())
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _syntax(exc, file) from exc


def _syntax(exc: etree.XMLSyntaxError, file: str | None) -> Exception:
    from indexer.errors import FeedFormatError

    line = exc.lineno if isinstance(exc.lineno, int) else None
    return FeedFormatError(Message("file.xml_malformed", error=exc.msg), file=file, row=line)


def iterparse(
    source: Path | IO[bytes], tags: set[str] | None = None, file: str | None = None
) -> Iterator[etree._Element]:
    """Stream ``end`` events for elements whose local name is in ``tags`` (all if None).

    The caller must ``elem.clear()`` what it has consumed; siblings already processed are
    dropped here so memory stays flat on gigabyte files.
    """
    if isinstance(source, Path):
        with source.open("rb") as fh:
            yield from iterparse(fh, tags, file or source.name)
        return
    head = source.read(_PROLOG_SCAN_BYTES)
    check_prolog(head, file)
    source.seek(0)
    context = etree.iterparse(source, events=("end",), remove_comments=True, **_parser_kwargs())
    try:
        for _event, elem in context:
            tag = elem.tag
            if not isinstance(tag, str):
                continue
            local = tag.rsplit("}", 1)[-1]
            if tags is None or local in tags:
                yield elem
                parent = elem.getparent()
                if parent is not None:
                    while elem.getprevious() is not None:
                        del parent[0]
    except etree.XMLSyntaxError as exc:
        raise _syntax(exc, file) from exc


def local_name(elem: etree._Element) -> str:
    tag = elem.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""

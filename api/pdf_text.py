"""A small PDF writer for text documents (an order confirmation): lines of text on A4 pages.

No dependency: PDF 1.4 with the standard Helvetica fonts, which every reader has, in
WinAnsiEncoding (cp1252: Swedish letters, €, the dashes and quotes). A character outside it
is written as ``?``. Long lines are wrapped at the page width; pages break when full. Text is
escaped (``\\``, ``(``, ``)``), so what a clinic or a feed wrote can never end a string
and become a PDF operator.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 56
WRAP_AT = 95  # characters of 10-point Helvetica that fit between the margins


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the document: text, size in points and whether it is bold."""

    text: str
    size: int = 10
    bold: bool = False


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _wrapped(lines: Sequence[Line]) -> list[Line]:
    out: list[Line] = []
    for line in lines:
        width = max(20, WRAP_AT * 10 // line.size)
        parts = textwrap.wrap(line.text, width) if line.text.strip() else [""]
        out.extend(Line(part, line.size, line.bold) for part in parts)
    return out


def _pages(lines: Sequence[Line]) -> list[bytes]:
    """Each page's content stream."""
    pages: list[bytes] = []
    ops: list[bytes] = []
    y = PAGE_HEIGHT - MARGIN
    for line in _wrapped(lines):
        leading = line.size + 4
        if y - leading < MARGIN:
            pages.append(b"\n".join(ops))
            ops, y = [], PAGE_HEIGHT - MARGIN
        y -= leading
        font = b"/F2" if line.bold else b"/F1"
        ops.append(
            b"BT %s %d Tf %d %d Td (%s) Tj ET" % (font, line.size, MARGIN, y, _escape(line.text))
        )
    pages.append(b"\n".join(ops))
    return pages


def pdf_document(lines: Sequence[Line], *, title: str) -> bytes:
    """The lines as a PDF file."""
    streams = _pages(lines)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, written once the pages' numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title (%s) /Producer (Valbar) >>" % _escape(title),
    ]
    kids: list[int] = []
    for stream in streams:
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>"
            % (PAGE_WIDTH, PAGE_HEIGHT, content)
        )
        kids.append(len(objects))
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))
    out = bytearray(b"%PDF-1.4\n%\xe5\xe4\xf6\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)

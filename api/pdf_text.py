"""A small PDF writer for text documents (an order confirmation): lines of text on A4 pages.

No dependency: PDF 1.4 with the standard Helvetica fonts, which every reader has, in
WinAnsiEncoding (cp1252: Swedish letters, €, the dashes and quotes). A character outside it
is written as ``?``. Long lines are wrapped at the page width, measured with the fonts'
character widths (a line of capitals is half as long again as one of small letters); pages
break when full. Text is
escaped (``\\``, ``(``, ``)``), so what a clinic or a feed wrote can never end a string
and become a PDF operator.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 56
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN

# Helvetica and Helvetica-Bold widths (1/1000 em, from their AFM files) of " " to "~"
_REGULAR = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
]  # fmt: skip
_BOLD = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
]  # fmt: skip
_WIDEST = 1015  # any other character counts as at least as wide as its base letter


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the document: text, size in points and whether it is bold."""

    text: str
    size: int = 10
    bold: bool = False


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _char_width(char: str, bold: bool) -> int:
    table = _BOLD if bold else _REGULAR
    base = unicodedata.normalize("NFD", char)[:1] or char  # "Å" is as wide as "A"
    if " " <= base <= "~":
        return table[ord(base) - 32]
    return _WIDEST


def text_width(text: str, size: int, bold: bool = False) -> float:
    """Pure: the text's width in points in Helvetica (bold) of ``size`` points."""
    return sum(_char_width(c, bold) for c in text) * size / 1000


def _split_word(word: str, size: int, bold: bool) -> list[str]:
    """A word wider than the page, in pieces that fit."""
    pieces, current = [], ""
    for char in word:
        if current and text_width(current + char, size, bold) > TEXT_WIDTH:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current]


def wrap(line: Line) -> list[Line]:
    """Pure: the line as lines that fit between the margins (whitespace runs become one
    space; the first line keeps its indent)."""
    indent = line.text[: len(line.text) - len(line.text.lstrip(" "))]
    words = line.text.split()
    if not words:
        return [Line("", line.size, line.bold)]
    out: list[str] = []
    current = indent
    for word in words:
        candidate = f"{current} {word}" if current.strip() else current + word
        if text_width(candidate, line.size, line.bold) <= TEXT_WIDTH:
            current = candidate
            continue
        if current.strip():
            out.append(current)
        *full, current = _split_word(word, line.size, line.bold)
        out.extend(full)
    out.append(current)
    return [Line(text, line.size, line.bold) for text in out]


def _wrapped(lines: Sequence[Line]) -> list[Line]:
    return [part for line in lines for part in wrap(line)]


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

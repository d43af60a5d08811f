"""The PDF writer: lines wrapped by the fonts' widths so none runs past the right margin,
pages broken when full, strings escaped, and a cross-reference table a reader can follow."""

from __future__ import annotations

import re

from api.pdf_text import MARGIN, PAGE_HEIGHT, TEXT_WIDTH, Line, pdf_document, text_width, wrap


def test_a_line_of_capitals_wraps_before_the_right_margin() -> None:
    # 95 capitals were one line (95 characters were assumed to fit): 640 points wide
    name = "NITRILHANDSKE PUDERFRI BLÅ STORLEK M " * 3
    parts = wrap(Line(name.strip(), 10, True))
    assert len(parts) > 1
    assert all(text_width(p.text, 10, True) <= TEXT_WIDTH for p in parts)
    assert " ".join(p.text for p in parts) == name.strip()


def test_a_word_wider_than_the_page_is_cut_and_the_indent_is_kept() -> None:
    parts = wrap(Line("W" * 200, 12))
    assert "".join(p.text for p in parts) == "W" * 200
    assert all(text_width(p.text, 12) <= TEXT_WIDTH for p in parts)
    assert wrap(Line("    2 × 99,00 SEK"))[0].text == "    2 × 99,00 SEK"
    assert wrap(Line("   ")) == [Line("")]


def test_small_letters_fill_the_line() -> None:
    parts = wrap(Line("ilil " * 60))
    assert len(parts) == 2  # narrow letters: far more than 95 characters fit


def _objects_at_their_offsets(body: bytes) -> int:
    start = int(body.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert body[start:].startswith(b"xref\n0 ")
    rows = body[start:].split(b"\n")
    count = int(rows[1].split()[1])
    for number, row in enumerate(rows[3 : 2 + count], start=1):
        offset = int(row[:10])
        assert body[offset:].startswith(b"%d 0 obj" % number)
    for match in re.finditer(rb"<< /Length (\d+) >>\nstream\n", body):
        end = match.end() + int(match.group(1))
        assert body[end:].startswith(b"\nendstream")
    return count


def test_many_lines_paginate_and_every_y_stays_inside_the_margins() -> None:
    lines = [Line(f"Rad {n} – Åäö (x) \\ " + "MMMM " * 30) for n in range(300)]
    body = pdf_document(lines, title="Test (1)")
    assert _objects_at_their_offsets(body) > 10
    pages = int(re.search(rb"/Count (\d+)", body).group(1))  # type: ignore[union-attr]
    assert pages > 5
    for x, y in re.findall(rb"Tf (\d+) (\d+) Td", body):
        assert int(x) == MARGIN and MARGIN <= int(y) <= PAGE_HEIGHT - MARGIN
    assert "Åäö".encode("cp1252") in body and b"\\(x\\) \\\\" in body

"""Bad uploads: each is refused with a typed FeedFormatError naming the file (and row)."""

from __future__ import annotations

import io
import random
import socket
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from indexer.errors import FeedFormatError, FeedTooLarge, UnsafeXmlError
from indexer.feeds import ArchiveBomb, read_feed
from indexer.feeds.errors import (
    EmptyFeedFile,
    ManufacturerCatalogFile,
    TruncatedFeed,
    UnsupportedFeedFormat,
)
from indexer.records import FeedTable

MB = 1024 * 1024


def _read(path: Path, *, max_bytes: int = 200 * MB, max_line_bytes: int = MB) -> FeedTable:
    return read_feed(path, max_bytes=max_bytes, max_line_bytes=max_line_bytes, file_name="upload")


def _write(tmp_path: Path, data: bytes, name: str = "upload.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.fixture()
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the reader tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(EmptyFeedFile, match=r"^upload: empty file"):
        _read(_write(tmp_path, b""))


def test_header_only_yields_zero_rows_with_headers(tmp_path: Path) -> None:
    table = _read(_write(tmp_path, b"sku;name;price;stock\r\n"))
    assert table.headers == ["sku", "name", "price", "stock"]
    assert list(table.rows) == []


def test_whitespace_only_file_is_not_a_feed(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFeedFormat, match="not a supported feed format"):
        _read(_write(tmp_path, b"\n\n   \n"))


@pytest.mark.parametrize(
    "data",
    [
        random.Random(7).randbytes(20_000),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(8).randbytes(5_000),
        b"%PDF-1.7\n" + random.Random(9).randbytes(5_000),
    ],
    ids=["random", "png", "pdf"],
)
def test_binary_garbage(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(UnsupportedFeedFormat, match=r"^upload: not a supported feed format"):
        _read(_write(tmp_path, data))


def test_zip_that_is_not_xlsx(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("prices.csv", "sku,price\nA,1\n")
    with pytest.raises(UnsupportedFeedFormat, match="not a supported feed format"):
        _read(_write(tmp_path, buf.getvalue(), "prices.xlsx"))


def test_zip_forced_as_xlsx(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/readme.txt", "not a workbook")
    path = _write(tmp_path, buf.getvalue(), "fake.xlsx")
    with pytest.raises(UnsupportedFeedFormat, match=r"not an \.xlsx workbook"):
        _read(path)


def test_csv_forced_as_xlsx(tmp_path: Path) -> None:
    path = _write(tmp_path, b"sku,price\nA,1\n")
    with pytest.raises(UnsupportedFeedFormat):
        read_feed(path, format="xlsx", max_bytes=MB, max_line_bytes=MB)


def test_legacy_xls(tmp_path: Path) -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000)
    with pytest.raises(UnsupportedFeedFormat, match=r"\.xls"):
        _read(_write(tmp_path, data, "old.xls"))


def test_unknown_format_override(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFeedFormat, match="unknown format 'pdf'"):
        read_feed(_write(tmp_path, b"a,b\n"), format="pdf", max_bytes=MB, max_line_bytes=MB)


def test_truncated_csv_names_the_row_where_the_record_started(tmp_path: Path) -> None:
    data = b'sku,name,price\nA,Sond,10\nB,"Spegel nr 5\nmed handtag,20\n'
    table = _read(_write(tmp_path, data))
    rows = table.rows
    assert next(rows).values["sku"] == "A"
    with pytest.raises(TruncatedFeed, match=r"^upload, row 3: .*unterminated quote") as err:
        next(rows)
    assert err.value.row == 3


def test_stray_quote_in_last_unquoted_field_is_not_truncation(tmp_path: Path) -> None:
    data = b'sku,name\nA,Spegel 5" rund'
    rows = list(_read(_write(tmp_path, data)).rows)
    assert rows[0].values["name"] == 'Spegel 5" rund'


def test_truncated_json(tmp_path: Path) -> None:
    data = b'[{"sku": "A", "price": 1}, {"sku": "B", "pri'
    with pytest.raises(TruncatedFeed, match="upload, row 2"):
        list(_read(_write(tmp_path, data, "x.json")).rows)


def test_utf16_with_bom_just_works(tmp_path: Path) -> None:
    data = "sku\tnamn\nA\tTandtråd\n".encode("utf-16")
    table = _read(_write(tmp_path, data))
    assert [r.values for r in table.rows] == [{"sku": "A", "namn": "Tandtråd"}]


def test_cp1252_fallback_is_reported(tmp_path: Path) -> None:
    table = _read(_write(tmp_path, "sku;namn\nA;Käkbensgaffel\n".encode("cp1252")))
    assert table.encoding == "cp1252"
    assert next(table.rows).values["namn"] == "Käkbensgaffel"


def test_undecodable_bytes_after_a_utf8_prefix_are_a_warning_at_their_row(
    tmp_path: Path,
) -> None:
    # The first line shows UTF-8 ("å"), so a bad byte 1.5 MB on is replaced and the row is
    # marked; with no UTF-8 before it, the file would be read as cp1252 (test_feed_edge_cases).
    lines = ["sku,name\nA,Tandtråd\n".encode()] + [b"A%06d,Sond\n" % i for i in range(120_000)]
    lines.append(b"BAD,\xff\xfe broken\n")
    path = _write(tmp_path, b"".join(lines))
    table = _read(path)
    assert table.encoding == "utf-8"
    rows = list(table.rows)
    assert [r.row for r in rows if r.warning] == [120_003]
    assert rows[-1].values["name"] == "\ufffd\ufffd broken"
    assert rows[-1].warning is not None and "not valid UTF-8" in rows[-1].warning


def test_a_few_bad_bytes_in_a_utf8_file_do_not_make_it_cp1252(tmp_path: Path) -> None:
    # One cp1252 value pasted into a UTF-8 file: still UTF-8, that row warned, nothing garbled.
    lines = [b"sku;namn\n"]
    lines += [f"A{i};Käkbensgaffel {i}\n".encode() for i in range(200)]
    lines.insert(50, "B1;Tandtråd\n".encode("cp1252"))
    table = _read(_write(tmp_path, b"".join(lines)))
    assert table.encoding == "utf-8"
    rows = list(table.rows)
    assert rows[0].values["namn"] == "Käkbensgaffel 0"  # not "KÃ¤kbensgaffel"
    warned = [r for r in rows if r.warning]
    assert [(r.row, r.values["namn"]) for r in warned] == [(51, "Tandtr\ufffdd")]


def _huge_line_file(path: Path, header: bytes, size: int) -> None:
    chunk = b"a" * MB
    with path.open("wb") as fh:
        fh.write(header)
        for _ in range(size // MB):
            fh.write(chunk)


@pytest.mark.parametrize("header", [b"sku,name\nA,", b""], ids=["data-line", "first-line"])
def test_one_100mb_line_is_refused_with_bounded_memory(tmp_path: Path, header: bytes) -> None:
    path = tmp_path / "huge.csv"
    _huge_line_file(path, header, 100 * MB)
    tracemalloc.start()
    try:
        with pytest.raises(FeedTooLarge, match="line longer than the limit") as err:
            table = _read(path, max_line_bytes=MB)
            for _ in table.rows:
                pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert err.value.row == (2 if header else 1)
    assert peak < 30 * MB  # the line is never held whole


def test_multiline_record_over_the_limit(tmp_path: Path) -> None:
    body = b'sku,desc\nA,"' + b"x" * 1000 + b"\n" + b"y" * 1000 + b'"\n'
    with pytest.raises(FeedTooLarge, match="record longer") as err:
        list(_read(_write(tmp_path, body), max_line_bytes=1500).rows)
    assert err.value.row == 2


def test_file_over_max_bytes_is_refused_before_parsing(tmp_path: Path) -> None:
    path = _write(tmp_path, random.Random(1).randbytes(4096))
    with pytest.raises(FeedTooLarge, match="over the limit of 1,000 bytes"):
        _read(path, max_bytes=1000)


RSS_HEAD = '<?xml version="1.0"?>\n'
RSS_BODY = (
    '<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>'
    "<item><g:id>A1</g:id><title>&xxe;</title></item></channel></rss>"
)


@pytest.mark.parametrize(
    "entity",
    ['SYSTEM "file:///etc/passwd"', 'SYSTEM "http://attacker.invalid/x"', 'SYSTEM "{secret}"'],
    ids=["file", "http", "local-secret"],
)
def test_external_entities_are_refused(tmp_path: Path, entity: str, no_network: None) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    doc = RSS_HEAD + f"<!DOCTYPE rss [<!ENTITY xxe {entity.format(secret=secret.as_uri())}>]>\n"
    path = _write(tmp_path, (doc + RSS_BODY).encode(), "feed.xml")
    with pytest.raises(UnsafeXmlError, match="entities") as err:
        list(_read(path).rows)
    assert "TOP-SECRET" not in str(err.value)


def test_billion_laughs_is_refused_before_expanding(tmp_path: Path) -> None:
    decls = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    ]
    doc = RSS_HEAD + "<!DOCTYPE rss [" + "".join(decls) + "]>\n" + RSS_BODY.replace("xxe", "lol9")
    path = _write(tmp_path, doc.encode(), "lol.xml")
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeXmlError):
            list(_read(path).rows)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * MB  # 10**9 "lol"s expanded would be 3 GB


def test_unsafe_xml_with_unknown_root_is_still_unsafe(tmp_path: Path) -> None:
    doc = '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    with pytest.raises(UnsafeXmlError):
        _read(_write(tmp_path, doc.encode(), "r.xml"))


def test_remote_dtd_without_entities_parses_without_fetching(
    tmp_path: Path, no_network: None
) -> None:
    doc = (
        RSS_HEAD + '<!DOCTYPE rss SYSTEM "http://data.icecat.biz/dtd/feed.dtd">\n'
        + RSS_BODY.replace("&xxe;", "Sond")
    )  # fmt: skip
    table = _read(_write(tmp_path, doc.encode(), "feed.xml"))
    assert table.format == "google_rss"
    assert [r.values for r in table.rows] == [{"g:id": "A1", "title": "Sond"}]


def test_malformed_xml_names_the_line(tmp_path: Path) -> None:
    doc = RSS_HEAD + RSS_BODY.replace("&xxe;", "Sond").replace("</item>", "</itm>")
    with pytest.raises(FeedFormatError, match="malformed XML"):
        list(_read(_write(tmp_path, doc.encode(), "bad.xml")).rows)


def test_manufacturer_catalog_is_redirected(tmp_path: Path) -> None:
    doc = b'<?xml version="1.0"?>\n<BMECAT version="2005"><HEADER/></BMECAT>'
    with pytest.raises(ManufacturerCatalogFile, match="valbar catalog import") as err:
        _read(_write(tmp_path, doc, "catalog.xml"))
    assert err.value.kind == "BMEcat"


def test_plain_xml_document_is_not_a_feed(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFeedFormat, match="XML document"):
        _read(_write(tmp_path, b"<note><to>x</to></note>", "n.xml"))


# --- archive bombs: a workbook's members are judged by their declared sizes before unpacking


_XML = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = b"http://schemas.openxmlformats.org/package/2006"


def _workbook_bytes(
    extra_shared: bytes = b"",
    extra_member: tuple[str, bytes] | None = None,
    doctype: bytes = b"",
) -> bytes:
    """A minimal real .xlsx with shared strings (header + one row). ``extra_shared`` is one
    more shared string, ``extra_member`` another member, ``doctype`` goes into workbook.xml."""
    strings = [b"Artikelnummer", b"Ben\xc3\xa4mning", b"Pris", b"Lagerstatus", b"A1", b"Handske"]
    strings.append(b"Ja")
    sst = b"".join(b"<si><t>" + t + b"</t></si>" for t in strings)
    if extra_shared:
        sst += b"<si><t>" + extra_shared + b"</t></si>"

    def cell(ref: str, index: int) -> bytes:
        return f'<c r="{ref}" t="s"><v>{index}</v></c>'.encode()

    row1 = b"".join(cell(f"{c}1", i) for i, c in enumerate("ABCD"))
    row2 = cell("A2", 4) + cell("B2", 5) + b'<c r="C2"><v>99</v></c>' + cell("D2", 6)
    members = {
        "[Content_Types].xml": _XML + b'<Types xmlns="' + _PKG + b'/content-types">'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sheet.main+xml"/>'
        b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        "_rels/.rels": _XML
        + b'<Relationships xmlns="'
        + _PKG
        + b'/relationships"><Relationship Id="rId1" '
        b'Type="' + _REL + b'/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": _XML
        + doctype
        + b'<workbook xmlns="'
        + _MAIN
        + b'" xmlns:r="'
        + _REL
        + b'"><sheets>'
        b'<sheet name="Produkter" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": _XML + b'<Relationships xmlns="' + _PKG + b'/relationships">'
        b'<Relationship Id="rId1" Type="' + _REL + b'/worksheet" Target="worksheets/sheet1.xml"/>'
        b'<Relationship Id="rId2" Type="' + _REL + b'/sharedStrings" Target="sharedStrings.xml"/>'
        b"</Relationships>",
        "xl/worksheets/sheet1.xml": _XML
        + b'<worksheet xmlns="'
        + _MAIN
        + b'"><sheetData><row r="1">'
        + row1
        + b'</row><row r="2">'
        + row2
        + b"</row></sheetData></worksheet>",
        "xl/sharedStrings.xml": _XML + b'<sst xmlns="' + _MAIN + b'">' + sst + b"</sst>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        if extra_member is not None:
            zf.writestr(*extra_member)
    return out.getvalue()


def test_workbook_without_bomb_still_reads(tmp_path: Path) -> None:
    table = _read(_write(tmp_path, _workbook_bytes(b"x" * 100), "ok.xlsx"))
    assert [r.values["Artikelnummer"] for r in table.rows] == ["A1"]


def test_shared_strings_ratio_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    # 4 MiB of one letter deflates to ~4 KiB: over 1000:1, as the 2.3 MB -> 1 GiB upload was
    path = _write(tmp_path, _workbook_bytes(b"a" * (4 * MB)), "bomb.xlsx")
    tracemalloc.start()
    try:
        with pytest.raises(ArchiveBomb, match=r"^upload: archive member 'xl/sharedStrings.xml'"):
            _read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MB  # refused from the directory, never unpacked


def test_archive_over_the_unpacked_total_is_refused(tmp_path: Path) -> None:
    noise = random.Random(1).randbytes(2 * MB)  # incompressible: the ratio is fine
    path = _write(tmp_path, _workbook_bytes(extra_member=("xl/media/a.bin", noise)), "big.xlsx")
    with pytest.raises(ArchiveBomb, match=r"archive unpacks to more than 1,048,576 bytes"):
        read_feed(path, max_bytes=200 * MB, max_line_bytes=MB, max_unzipped_bytes=MB)
    assert list(_read(path).rows)  # under the default limit it reads


def test_member_that_lies_about_its_size_is_cut_and_refused(tmp_path: Path) -> None:
    # The directory says the shared strings are small; their data unpacks to 4 MiB.
    data = bytearray(_workbook_bytes(b"a" * (4 * MB)))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/sharedStrings.xml")
    real = info.file_size.to_bytes(4, "little")
    lie = (1000).to_bytes(4, "little")
    # the local header (size at offset 22) and the central directory entry (offset 24)
    local = info.header_offset
    assert data[local + 22 : local + 26] == real
    data[local + 22 : local + 26] = lie
    central = data.rfind(b"PK\x01\x02" + bytes(data[local + 4 : local + 8]))
    while data[central + 46 : central + 46 + len(info.filename)] != info.filename.encode():
        central = data.rfind(b"PK\x01\x02", 0, central)
    assert data[central + 24 : central + 28] == real
    data[central + 24 : central + 28] = lie
    path = _write(tmp_path, bytes(data), "liar.xlsx")
    with pytest.raises(UnsupportedFeedFormat, match=r"not a readable \.xlsx workbook"):
        list(_read(path).rows)


def test_workbook_member_declaring_entities_is_refused(tmp_path: Path) -> None:
    doctype = b'<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    path = _write(tmp_path, _workbook_bytes(doctype=doctype), "xxe.xlsx")
    with pytest.raises(UnsafeXmlError, match=r"xl/workbook.xml\): XML declares entities"):
        _read(path)


def test_workbook_with_a_cut_sheet_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_workbook_bytes())) as src,
        zipfile.ZipFile(out, "w") as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[:-40]
            dst.writestr(info.filename, data)
    path = _write(tmp_path, out.getvalue(), "cut.xlsx")
    with pytest.raises(UnsupportedFeedFormat, match=r"^upload: not a supported feed format"):
        list(_read(path).rows)


def test_bad_bytes_in_a_utf8_jsonl_line_are_a_warning_at_the_line(tmp_path: Path) -> None:
    lines = [f'{{"sku": "A{i}", "name": "Käkbensgaffel {i}"}}\n'.encode() for i in range(20)]
    lines.insert(5, b'{"sku": "B1", "name": "Tandtr\xe5d"}\n')
    table = _read(_write(tmp_path, b"".join(lines), "feed.jsonl"))
    assert table.format == "jsonl" and table.encoding == "utf-8"
    warned = [(r.row, r.values["name"]) for r in table.rows if r.warning]
    assert warned == [(6, "Tandtr\ufffdd")]

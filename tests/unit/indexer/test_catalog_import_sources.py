"""Format detection, file/directory/zip/gzip walking, read_catalog and the JSONL format."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest

from catalog.gtin import gtin14, is_valid_gtin
from catalog.records import Identifier, ProductRecord, Spec
from indexer.catalog_import import (
    CatalogFormatError,
    CatalogRowError,
    detect_catalog_format,
    iter_catalog_files,
    read_catalog,
)
from indexer.catalog_import.valbar_jsonl import read_valbar_jsonl, record_from_json, record_to_json
from indexer.errors import UnsafeXmlError

GUDID = (
    b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n<devices><device '
    b'xmlns="http://www.fda.gov/cdrh/gudid"><publicDeviceRecordKey>k1</publicDeviceRecordKey>'
    b"<brandName>Acme</brandName><deviceDescription>Mirror</deviceDescription>"
    b"</device></devices>"
)
CSV = "Benämning;EAN\nSpegel;4008190397111\n".encode()


def test_detect_from_content() -> None:
    assert detect_catalog_format(GUDID) == "gudid"
    assert detect_catalog_format(b'<?xml version="1.0"?>\n<!-- x -->\n<BMECAT/>') == "bmecat"
    assert (
        detect_catalog_format(b'<!DOCTYPE BMECAT SYSTEM "x.dtd" [<!ELEMENT A (#PCDATA)>]><BMECAT>')
        == "bmecat"
    )
    assert detect_catalog_format(b'<!DOCTYPE I SYSTEM "http://x">\n<ICECAT-interface>') == "icecat"
    assert detect_catalog_format(CSV) == "csv"
    assert detect_catalog_format(b'{"source":"gudid","source_key":"k","name":"n"}\n') == (
        "valbar_jsonl"
    )
    for junk in (b"<rss><channel/></rss>", b"plain words", b'{"a": 1}', b"\x00\x01\x02"):
        with pytest.raises(CatalogFormatError):
            detect_catalog_format(junk)


def test_directory_zip_nested_zip_and_gzip_are_walked_without_extracting(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("deep/catalog.csv", CSV)
    with zipfile.ZipFile(tmp_path / "bundle.dat", "w") as zf:  # no .zip extension on purpose
        zf.writestr("devices.xml", GUDID)
        zf.writestr("inner.zip", inner.getvalue())
        zf.writestr("__MACOSX/._devices.xml", b"junk")
        zf.writestr("README.txt", b"nothing to see")
    (tmp_path / "sub").mkdir()
    rec = ProductRecord("gudid", "k9", "Nine")
    (tmp_path / "sub" / "demo.jsonl.gz").write_bytes(
        gzip.compress(record_to_json(rec).encode() + b"\n")
    )
    names = [s.name.removeprefix(str(tmp_path)) for s in iter_catalog_files(tmp_path)]
    assert names == [
        "/bundle.dat!README.txt",
        "/bundle.dat!devices.xml",
        "/bundle.dat!inner.zip!deep/catalog.csv",
        "/sub/demo.jsonl.gz",
    ]
    items = list(read_catalog(tmp_path))
    records = [i for i in items if isinstance(i, ProductRecord)]
    assert [(r.source, r.source_key) for r in records] == [
        ("gudid", "k1"),
        ("csv", "catalog:04008190397111"),
        ("gudid", "k9"),
    ]
    skipped = [i for i in items if isinstance(i, CatalogRowError)]
    assert [(e.file.endswith("README.txt"), e.field) for e in skipped] == [(True, "format")]


def test_single_unknown_file_raises_and_forced_format_is_used(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_bytes(b"just some words")
    with pytest.raises(CatalogFormatError):
        list(read_catalog(bad))
    with pytest.raises(CatalogFormatError, match="unknown catalog format"):
        list(read_catalog(bad, "pdf"))
    csv_file = tmp_path / "c.txt"
    csv_file.write_bytes(CSV)
    assert len([r for r in read_catalog(csv_file, "csv") if isinstance(r, ProductRecord)]) == 1


def test_billion_laughs_and_external_entity_refused_through_read_catalog(tmp_path: Path) -> None:
    laughs = tmp_path / "laughs.xml"
    laughs.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE devices [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<devices><device><publicDeviceRecordKey>&b;</publicDeviceRecordKey></device></devices>"
    )
    with pytest.raises(UnsafeXmlError):
        list(read_catalog(laughs))
    xxe = tmp_path / "xxe.zip"
    with zipfile.ZipFile(xxe, "w") as zf:
        zf.writestr(
            "x.xml",
            b'<!DOCTYPE ICECAT-interface [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<ICECAT-interface><Product ID="1" Title="&e;"/></ICECAT-interface>',
        )
    with pytest.raises(UnsafeXmlError):
        list(read_catalog(xxe))


def test_jsonl_round_trip_and_bad_line() -> None:
    rec = ProductRecord(
        "gudid",
        "k",
        "Name",
        manufacturer="M",
        identifiers=[Identifier("10609038997916", "gs1", "package", 10, "00609038997919")],
        specs=[Spec("Weight", "1", "Pound"), Spec("Sterile", "no")],
        image_urls=["u"],
        extra={"discontinued": "2020-01-01"},
    )
    line = record_to_json(rec)
    assert record_from_json(json.loads(line)) == rec
    items = list(read_valbar_jsonl(io.BytesIO(line.encode() + b"\n[1]\n{}\n"), "d.jsonl"))
    assert items[0] == rec
    assert [(e.record, e.field) for e in items[1:] if isinstance(e, CatalogRowError)] == [
        ("line 2", "json"),
        ("line 3", "json"),
    ]


def test_gtin_normalization() -> None:
    assert gtin14("4008190397111") == "04008190397111"
    assert gtin14("87126709") == "00000087126709"
    assert gtin14("0-0612479-142572") == "00612479142572"
    assert gtin14("1234567890123") is None  # check digit should be 8
    assert gtin14("12345") is None
    assert not is_valid_gtin("40081903971x1")

"""Feed-run messages as data: every code renders in Swedish and English with every value
filled, the Swedish has no English words, and every message the indexer writes has a code."""

from __future__ import annotations

import ast
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalog.settings import Settings
from indexer.errors import FeedFormatError, IndexerError, MissingColumnsError
from indexer.messages import CATALOGS, Message, codes, render, render_stored
from indexer.pipeline import FeedOptions, scan_for
from indexer.scan import iter_offers

ROOT = Path(__file__).resolve().parents[3]
_FIELD = re.compile(r"\{(@?)(\w+)(?:[:#](\w+))?\}")

# a value for every name a template uses; a nested ``{@name}`` gets a code of its family
NESTED = {
    "how": "how.signal",
    "change": "change.row",
    "kind": "kind.xls",
    "what": "what.binary",
    "delimiter": "delimiter.semicolon",
    "missing": "missing.name_price",
    "found": "columns.headers",
}
NUMBERS = {
    "row": 3,
    "other_row": 7,
    "changed_row": 4,
    "rows": 12,
    "size": 1_234_567,
    "limit": 1_000_000,
    "packed": 1000,
    "ratio": 0.5,
    "total": 2_000_000,
    "cells": 5,
    "width": 4,
    "line": 8,
    "column": 40,
    "record": 7,
    "attempts": 2,
    "withdraw": 7,
    "active": 10,
    "offers": 3,
    "valid": 4,
    "digits": 3,
    "found": 1,
    "expected": 2,
    "exit_code": 3,
    "count": 12_000,
}

# English words that must not appear in a Swedish sentence (outside file names, flags,
# code and quoted parser words, which are stripped first)
ENGLISH = frozenset(
    [
        "the",
        "is",
        "are",
        "not",
        "of",
        "and",
        "or",
        "file",
        "row",
        "rows",
        "was",
        "were",
        "changed",
        "nothing",
        "empty",
        "price",
        "found",
        "missing",
        "line",
        "column",
        "record",
        "skipped",
        "with",
        "without",
        "at",
        "than",
        "more",
        "limit",
        "cannot",
        "unknown",
        "refused",
        "header",
        "headers",
        "feed",
        "offers",
        "run",
        "process",
        "value",
        "expected",
        "has",
        "contains",
        "other",
        "reasons",
        "queued",
        "again",
        "killed",
        "exit",
    ]
)
_NOT_WORDS = re.compile(
    r"\{[^}]*\}|--[\w-]+|`[^`]*`|<[^>]*>|\"[^\"]*\"|schema\.org\S*|https?://\S+|[A-Z]{2,}\S*"
)


def _values(template: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for nested, name, _spec in _FIELD.findall(template):
        if nested:
            values[name] = NESTED[name]
        elif name == "found" and "{@found}" not in template:
            values[name] = NUMBERS["found"]
        else:
            values[name] = NUMBERS.get(name, f"<{name}>")
    return values


def _all_values(code: str) -> dict[str, Any]:
    """Values for ``code`` and for the messages it nests."""
    template = CATALOGS["en"].messages[code]
    values = _values(template)
    for name, nested in list(values.items()):
        if name in NESTED and nested in CATALOGS["en"].messages:
            values = {**_values(CATALOGS["en"].messages[nested]), **values}
    if code.startswith("file."):
        values.setdefault("file", "lager.csv")
        values.setdefault("row", 3)
    return values


def test_both_catalogs_have_the_same_codes() -> None:
    assert codes("en") == codes("sv")


@pytest.mark.parametrize("code", sorted(codes("en")))
def test_every_code_renders_in_both_languages_with_every_value_filled(code: str) -> None:
    values = _all_values(code)
    for lang in ("en", "sv"):
        text = render(code, values, lang)
        # a value missing or of the wrong type would write the generic fallback instead
        assert not text.startswith(code.replace("_", " ") + " ("), (lang, text)
        assert "{" not in text and "}" not in text and "[" not in text, (lang, text)
        for name, value in values.items():
            if name in NESTED or name in ("file", "row"):
                continue
            template = CATALOGS[lang].messages[code]
            if "{" + name in template and isinstance(value, str):
                assert value in text, (lang, name, text)
    assert render(code, values, "sv") != render(code, values, "en") or code == "where.file"


@pytest.mark.parametrize("code", sorted(codes("sv")))
def test_swedish_sentences_have_no_english_words(code: str) -> None:
    template = CATALOGS["sv"].messages[code]
    words = set(re.findall(r"[a-zåäö]+", _NOT_WORDS.sub(" ", template).lower()))
    assert not words & ENGLISH, (code, sorted(words & ENGLISH))


def test_a_message_is_its_english_text_and_keeps_its_code_through_pickling() -> None:
    import pickle

    message = Message("file.no_header", file="lager.csv", row=None)
    assert message == "lager.csv: no header row found" and message.values == {"file": "lager.csv"}
    again = pickle.loads(pickle.dumps(message))
    assert again == message and again.code == "file.no_header" and again.values == message.values
    assert message.text("sv") == "lager.csv: ingen rubrikrad hittades"
    assert render_stored("as stored", None, None, "sv") == "as stored"


# ---------------------------------------------------------------- every message has a code

_ERROR_CLASSES = {
    "FeedFormatError",
    "FeedTooLarge",
    "UnsafeXmlError",
    "EmptyFeedFile",
    "UnsupportedFeedFormat",
    "TruncatedFeed",
    "FeedEncodingError",
    "MalformedJson",
    "ArchiveBomb",
    "FeedRejected",
    "FeedChanged",
}


def _sources() -> Iterator[tuple[Path, ast.AST]]:
    for path in sorted((ROOT / "indexer").rglob("*.py")):
        if "catalog_import" in path.parts or "messages" in path.parts:
            continue  # manufacturer catalogs are imported by the CLI, not by feed runs
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def test_no_raise_site_or_row_error_is_written_as_plain_text() -> None:
    """A feed error, a row error or a reader's problem built from an English string would
    have no code: the portal could only show it in English."""
    plain: list[str] = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node)
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if name in _ERROR_CLASSES and node.args and _is_text(node.args[0]):
                plain.append(where)
            if name in ("RowError", "_warn") and len(node.args) >= 4 and _is_text(node.args[3]):
                plain.append(where)
            if name in ("RawRow", "BrokenRecord"):
                args = [*node.args[2:], *(k.value for k in node.keywords)]
                plain += [where for a in args if _is_text(a)]
    assert plain == []


def test_every_literal_code_the_indexer_uses_is_in_both_catalogs() -> None:
    used: set[str] = set()
    prefixes: set[str] = set()
    for _path, tree in _sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node)
            if name in ("Message", "PriceError") and node.args:
                first = node.args[0]
                prefix = "price." if name == "PriceError" else ""
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    used.add(prefix + first.value)
                elif isinstance(first, ast.JoinedStr):
                    head = first.values[0]
                    assert isinstance(head, ast.Constant)
                    prefixes.add(prefix + str(head.value))
            for keyword in node.keywords:  # nested codes: how="how.signal", what=...
                value = keyword.value
                if (
                    isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                    and keyword.arg in NESTED
                    and re.fullmatch(r"[a-z_]+\.[a-z_]+", value.value)
                ):
                    used.add(value.value)
    assert len(used) > 60
    assert sorted(used - codes("en")) == [] and sorted(used - codes("sv")) == []
    assert {p for p in prefixes if not any(c.startswith(p) for c in codes("en"))} == set()


def _xlsx_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "not a workbook")
    return buf.getvalue()


BAD_FILES: list[tuple[str, bytes]] = [
    ("tom.csv", b""),
    ("skrap.bin", bytes(range(256)) * 8),
    ("kort.csv", b"Artikelnummer;Ben\xc3\xa4mning;Pris;Lager\nA1;Sond;10;5\nA2;Spe"),
    ("citat.csv", b'sku;name;price;stock\nA;"open quote;1;2\nB;b;1;2\n'),
    ("ent.xml", b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>'),
    ("trasig.xml", b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>x</rss>'),
    ("kort.jsonl", b'{"sku":"A","name":"B","price":"1","stock":"1"}\n{"sku":"C"'),
    ("kort.json", b'[{"sku":"A","name":"B","price":"1","stock":"1"},'),
    ("zip.xlsx", _xlsx_zip()),
    ("rubrik.csv", b"foo;bar\n1;2\n"),
    ("lang.csv", b"sku;name;price;stock\n" + b"A;" + b"x" * 5000 + b";1;2\n"),
    ("stor.csv", b"sku;name;price;stock\n" + b"A;abc;1;2\n" * 12_000),
    ("lista.json", b'{"a": [{"sku": "A"}], "b": [{"sku": "B"}]}'),
]


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        database_url="",
        environment="test",
        max_upload_bytes=100_000,
        max_line_bytes=4096,
    )


@pytest.mark.parametrize(("name", "data"), BAD_FILES, ids=[n for n, _ in BAD_FILES])
def test_every_file_refusal_of_the_bad_input_corpus_has_a_code(
    tmp_path: Path, name: str, data: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises((FeedFormatError, MissingColumnsError)) as info:
        scan = scan_for(_settings(tmp_path), path, FeedOptions(), remembered=None, file_name=name)
        list(iter_offers(scan))
    error: IndexerError = info.value
    assert error.message is not None and error.message.code in codes("en"), str(error)
    assert str(error) == str(error.message)  # the CLI's English is the catalog's
    assert name in error.message.text("sv")


ROWS = (
    "Artikelnummer;Benämning;Pris;Lagerstatus;EAN;Moms;Leveranstid;Länk;Valuta;Antal\n"
    ";Utan artikelnummer;10;I lager;;;;;;\n"
    "A2;;10;I lager;;;;;;\n"
    "A3;Tomt pris;;I lager;;;;;;\n"
    "A4;Fel pris;inte ett pris;I lager;;;;;;\n"
    "A5;Två valutor;12 SEK 13 EUR;I lager;;;;;;\n"
    "A6;Noll;0;I lager;;;;;;\n"
    "A7;Fel GTIN;10;I lager;7310000000001;;;;;\n"
    "A8;Excel;10;I lager;3.65275E+11;;;;;\n"
    "A9;Okänt lager;10;kanske;;;;;;\n"
    "A10;Moms;10;I lager;;kanske;;;;\n"
    "A11;Leverans;10;I lager;;;snart;;;\n"
    "A12;Länk;10;I lager;;;;www.example.se;;\n"
    "A13;Valuta;10;I lager;;;;;XYZ;\n"
    "A14;Antal;10;;;;;;;många\n"
    "A15;För bred;10;I lager;;;;;;;extra;mer\n"
    "A16;Dubblett;10;I lager;;;;;;\n"
    "A16;Dubblett;11;I lager;;;;;;\n"
    "A17;Ok;10;;;;;;;\n"
)


def test_every_row_error_of_a_bad_feed_has_a_code_and_renders_in_swedish(tmp_path: Path) -> None:
    path = tmp_path / "rader.csv"
    path.write_bytes(ROWS.encode("utf-8") + b"A18;Fel byte \xff;10;I lager;;;;;;\n")
    scan = scan_for(_settings(tmp_path), path, FeedOptions(), remembered=None, file_name="r.csv")
    list(iter_offers(scan))
    errors = scan.errors
    assert len(errors) >= 16
    found = set()
    for error in errors:
        message = error.message
        assert isinstance(message, Message) and message.code in codes("en"), error
        assert error.as_dict()["code"] == message.code
        assert message.text("sv") != str(message), message.code
        found.add(message.code)
    assert {
        "row.sku_empty",
        "row.name_empty",
        "price.empty",
        "price.not_a_price",
        "price.two_currencies",
        "row.price_zero",
        "gtin.check_digit",
        "gtin.excel_scientific",
        "row.stock_unclear",
        "row.vat_unclear",
        "row.delivery_unclear",
        "row.url_not_absolute",
        "row.currency_unknown",
        "row.too_wide",
        "row.duplicate_sku",
    } <= found, found


@pytest.mark.parametrize("code", sorted(codes("en")))
def test_the_quick_format_writes_what_the_template_engine_writes(code: str) -> None:
    """Plain templates are filled with ``str.format`` (a row error per bad row): the same
    text as the shared template engine, quotes in the file's values included."""
    from indexer.messages import _fill
    from ranking.messages import render_with

    values = {k: ('it\'s "x"' if v == "<value>" else v) for k, v in _all_values(code).items()}
    for lang in ("en", "sv"):
        assert _fill(lang, code, values) == render_with(CATALOGS[lang], code, values)

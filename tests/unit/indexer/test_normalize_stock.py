"""Stock and delivery cells in Swedish and English."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.enums import StockStatus
from indexer.normalize.delivery import parse_delivery
from indexer.normalize.stock import ParsedStock, parse_stock, status_for_quantity

IN = StockStatus.IN_STOCK
LIM = StockStatus.LIMITED
BACK = StockStatus.BACKORDER
OUT = StockStatus.OUT_OF_STOCK
UNK = StockStatus.UNKNOWN


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I lager", ParsedStock(IN)),
        ("Finns i lager", ParsedStock(IN)),
        ("  i LAGER ", ParsedStock(IN)),
        ("Ja", ParsedStock(IN)),
        ("Yes", ParsedStock(IN)),
        ("1", ParsedStock(IN)),
        ("true", ParsedStock(IN)),
        ("TRUE", ParsedStock(IN)),
        ("in stock", ParsedStock(IN)),
        ("in_stock", ParsedStock(IN)),
        ("instock", ParsedStock(IN)),
        ("In Stock", ParsedStock(IN)),
        ("https://schema.org/InStock", ParsedStock(IN)),
        ("http://schema.org/OutOfStock", ParsedStock(OUT)),
        ("https://schema.org/PreOrder", ParsedStock(BACK)),
        ("LimitedAvailability", ParsedStock(LIM)),
        ("Slut", ParsedStock(OUT)),
        ("Slut i lager", ParsedStock(OUT)),
        ("Tillfälligt slut", ParsedStock(OUT)),
        ("Nej", ParsedStock(OUT)),
        ("0", ParsedStock(OUT)),
        ("false", ParsedStock(OUT)),
        ("out of stock", ParsedStock(OUT)),
        ("outofstock", ParsedStock(OUT)),
        ("Out_of_stock", ParsedStock(OUT)),
        ("Ej i lager", ParsedStock(OUT)),
        ("Utgått", ParsedStock(OUT)),
        ("Utgått ur sortimentet", ParsedStock(OUT)),
        ("Beställningsvara", ParsedStock(BACK)),
        ("preorder", ParsedStock(BACK)),
        ("pre-order", ParsedStock(BACK)),
        ("backorder", ParsedStock(BACK)),
        ("available on backorder", ParsedStock(BACK)),
        ("onbackorder", ParsedStock(BACK)),
        ("Kommer snart", ParsedStock(BACK)),
        ("Slut i lager, beställningsvara", ParsedStock(BACK)),
        ("Få kvar", ParsedStock(LIM)),
        ("Fåtal i lager", ParsedStock(LIM)),
        ("Begränsat antal", ParsedStock(LIM)),
        ("Endast 2 kvar", ParsedStock(LIM, 2)),
        ("Only 3 left", ParsedStock(LIM, 3)),
        ("15", ParsedStock(IN, 15)),
        ("15.0", ParsedStock(IN, 15)),
        ("3", ParsedStock(LIM, 3)),
        ("5", ParsedStock(IN, 5)),
        ("-2", ParsedStock(OUT, 0)),
        ("5 st i lager", ParsedStock(IN, 5)),
        ("2 i lager", ParsedStock(LIM, 2)),
        ("> 10", ParsedStock(IN, 10)),
        ("10+", ParsedStock(IN, 10)),
        ("Beställningsvara 3-5 dagar", ParsedStock(BACK, None, 5)),
        ("3-5 dagar", ParsedStock(BACK, None, 5)),
        ("1-2 dagar", ParsedStock(IN, None, 2)),
        ("Leveranstid 2 veckor", ParsedStock(BACK, None, 14)),
        ("1-2 veckor", ParsedStock(BACK, None, 14)),
        ("I lager, 1-3 dagar", ParsedStock(IN, None, 3)),
        ("Omgående", ParsedStock(IN, None, 1)),
        ("", ParsedStock(UNK)),
        ("blå", ParsedStock(UNK)),
        ("Art 1234", ParsedStock(UNK)),
    ],
)
def test_parse_stock(text: str, expected: ParsedStock) -> None:
    assert parse_stock(text) == expected


def test_quantity_column_reads_one_and_zero_as_counts() -> None:
    assert parse_stock("1", is_quantity=True) == ParsedStock(LIM, 1)
    assert parse_stock("0", is_quantity=True) == ParsedStock(OUT, 0)
    assert parse_stock("1") == ParsedStock(IN)


def test_low_stock_threshold_is_a_parameter() -> None:
    assert parse_stock("7", low_stock_threshold=10) == ParsedStock(LIM, 7)
    assert parse_stock("3", low_stock_threshold=1) == ParsedStock(IN, 3)
    assert status_for_quantity(0) is OUT
    assert status_for_quantity(4) is LIM
    assert status_for_quantity(5) is IN


@given(st.text(max_size=40))
def test_parse_stock_never_raises(text: str) -> None:
    parsed = parse_stock(text)
    assert isinstance(parsed.status, StockStatus)
    assert parsed.quantity is None or parsed.quantity >= 0


@given(st.integers(min_value=2, max_value=10**9 - 1), st.integers(min_value=1, max_value=50))
def test_numbers_map_consistently(quantity: int, threshold: int) -> None:
    parsed = parse_stock(str(quantity), low_stock_threshold=threshold)
    assert parsed.quantity == quantity
    assert parsed.status is status_for_quantity(quantity, threshold)
    assert parse_stock(f"{quantity} st", low_stock_threshold=threshold) == parsed


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("2-3 arbetsdagar", 3),
        ("2–3 arbetsdagar", 3),
        ("1 vecka", 7),
        ("2 veckor", 14),
        ("1-2 veckor", 14),
        ("24h", 1),
        ("48 timmar", 2),
        ("Omgående", 1),
        ("Skickas idag", 1),
        ("5", 5),
        ("3-5", 5),
        ("inom 2 dagar", 2),
        ("2-4 working days", 4),
        ("1 month", 30),
        ("1,5 vecka", 11),
        ("", None),
        ("v. 34", None),
        ("snart", None),
    ],
)
def test_parse_delivery(text: str, days: int | None) -> None:
    assert parse_delivery(text) == days


NEGATIVE_PHRASES = [
    "Finns ej", "Inte på lager", "Ej på lager", "Finns inte", "Ej i lager", "Inte i lager",
    "Finns ej i lager", "Tillfälligt slut", "Slutsåld", "Utgått", "Ej tillgänglig",
    "Inte tillgänglig", "Saknas", "Nej", "Inga i lager", "Icke lagervara",
    "not in stock", "Not available", "unavailable", "sold out", "discontinued",
    "In stock: no", "Lagerstatus: finns ej", "Finns ej i lager (beställ hos oss)",
]  # fmt: skip


@pytest.mark.parametrize("text", NEGATIVE_PHRASES)
def test_negative_phrases_are_out_of_stock(text: str) -> None:
    assert parse_stock(text).status is OUT


POSITIVE_PHRASES = [
    "i lager", "på lager", "finns i lager", "finns", "lagervara", "tillgänglig",
    "in stock", "available", "leveransklar", "skickas idag",
]  # fmt: skip
spaces = st.sampled_from([" ", "  ", "\u00a0"])


@given(st.sampled_from(POSITIVE_PHRASES), st.sampled_from(["ej", "inte", "not", "no"]), spaces)
def test_a_negation_before_an_in_stock_phrase_flips_it(
    phrase: str, negation: str, space: str
) -> None:
    assert parse_stock(phrase).status is IN
    assert parse_stock(f"{negation}{space}{phrase}").status is OUT
    assert parse_stock(f"{negation.upper()}{space}{phrase.title()}").status is OUT


@given(st.sampled_from(["ej", "inte"]), st.sampled_from(["", " i lager", " på lager"]))
def test_swedish_negation_after_finns_flips_it(negation: str, rest: str) -> None:
    assert parse_stock(f"Finns {negation}{rest}").status is OUT


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I lager, ej returnerbar", ParsedStock(IN)),  # the negation is in another clause
        ("Finns i lager. Ej i butik", ParsedStock(IN)),
        ("Ej i lager, beställningsvara", ParsedStock(BACK)),  # backorder wording still wins
        ("Inte i lager, leverans 3-5 dagar", ParsedStock(OUT, None, 5)),
        ("Notering: i lager", ParsedStock(IN)),  # "not" only as a word
        ("Ingen leveranstid, i lager", ParsedStock(IN)),
    ],
)
def test_negation_scope(text: str, expected: ParsedStock) -> None:
    assert parse_stock(text) == expected

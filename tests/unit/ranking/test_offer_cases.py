"""Judged offer orders: the shipped cases hold with the default config; bad files are named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ranking.config import load_named
from ranking.errors import InvalidOfferCases
from ranking.offer_cases import check_cases, load_cases, parse_cases

SHIPPED = Path(__file__).resolve().parents[3] / "configs" / "judgments" / "offer_order.toml"


def test_the_shipped_offer_orders_hold_with_the_default_config() -> None:
    cases = load_cases(SHIPPED)
    assert len(cases) >= 7
    results = check_cases(cases, load_named("default"))
    assert [(r.case.id, r.got) for r in results if not r.holds] == []


def test_a_price_first_config_breaks_the_service_first_cases() -> None:
    """The cases judge ranking, not themselves: price first puts the cheap unreliable first."""
    results = {r.case.id: r for r in check_cases(load_cases(SHIPPED), load_named("price_first"))}
    assert not results["service-first-within-reason"].holds


PROFILE = "[retailers.a]\non_time = 0.9\nstock_accuracy = 0.9\nstars = 4.0\nrma = 0.8\ncount = 10\n"
CASE = """
[[case]]
id = "c"
expect = ["x", "y"]
offers = [{ label = "x", retailer = "a", price = 1.0 }, { label = "y", retailer = "a" }]
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (PROFILE.replace("4.0", "6.0") + CASE, "retailers.a.stars: 6.0 is outside 1..5"),
        (PROFILE.replace("rma", "rmaa") + CASE, "retailers.a: unknown key(s) ['rmaa']"),
        (
            PROFILE + CASE.replace('retailer = "a" }', 'retailer = "b" }'),
            "case 'c'.offers[2].retailer: unknown retailer 'b'",
        ),
        (PROFILE + CASE.replace('["x", "y"]', '["x"]'), "case 'c'.expect: must list every"),
        (PROFILE + CASE.replace("price = 1.0", "price = 'cheap'"), "case 'c'.offers[1].price"),
        (PROFILE + CASE + CASE, "case: ids must be unique"),
        ("[[case]\n", "(toml)"),
    ],
)
def test_a_bad_case_file_names_the_field(text: str, message: str) -> None:
    with pytest.raises(InvalidOfferCases, match="^" + re.escape(message)):
        parse_cases(text)


def test_a_case_file_is_ranked_in_file_order() -> None:
    results = check_cases(parse_cases(PROFILE + CASE), load_named("default"))
    assert [r.case.id for r in results] == ["c"]
    assert results[0].got == ("x", "y") and results[0].holds  # no price: price.missing = 0

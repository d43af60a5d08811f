"""The retailer's presentation form as parsed: amounts and delivery days, and a value that is
not one refused naming its field (never a server error)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.retailer_profile import ProfileInvalid, parse_profile


def test_the_delivery_terms_are_read_swedish_style() -> None:
    values = parse_profile(
        {"delivery_fee": "49,50 kr", "free_shipping_from": "1 500", "delivery_days": "3"}
    )
    assert values["delivery_fee"] == Decimal("49.50")
    assert values["free_shipping_from"] == Decimal("1500.00")
    assert values["delivery_days"] == 3


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("delivery_days", "²"),  # isdigit() holds, int() fails
        ("delivery_days", "9" * 5000),  # past int()'s digit limit
        ("delivery_days", "61"),
        ("delivery_days", "-1"),
        ("delivery_fee", "-5"),
        ("delivery_fee", "NaN"),
        ("free_shipping_from", "1e99"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field(field: str, raw: str) -> None:
    with pytest.raises(ProfileInvalid) as refused:
        parse_profile({field: raw})
    assert [e.field for e in refused.value.errors] == [field]

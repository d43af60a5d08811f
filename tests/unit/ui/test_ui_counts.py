"""Counts with their nouns in singular or plural (issue 13 item 17): "1 varning", "2
varningar", wherever the UI writes a count of warnings, rows, offers, products …"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.unit.ui.ui_support import UiEnv
from ui.i18n import COUNT_NOUNS, MESSAGES, count, translate

_COUNT = re.compile(r"\{(\w+)#(\w+)\}")


def test_a_run_with_one_warning_and_one_rejected_row_says_so_in_the_singular() -> None:
    counts = {"rows": 7, "valid": 6, "rejected": 1, "warnings": 1}
    assert translate("sv", "portal.counts", **counts) == "7 rader, 6 giltiga, 1 avvisad, 1 varning"
    assert translate("en", "portal.counts", **counts) == "7 rows, 6 valid, 1 rejected, 1 warning"
    many = {"rows": 1234, "valid": 1, "rejected": 1233, "warnings": 2}
    assert translate("sv", "portal.counts", **many) == (
        "1\u00a0234 rader, 1 giltig, 1\u00a0233 avvisade, 2 varningar"
    )
    assert translate("en", "portal.counts", **many) == (
        "1,234 rows, 1 valid, 1,233 rejected, 2 warnings"
    )


def test_count_takes_numbers_and_numbers_already_formatted() -> None:
    assert count("sv", 1, "offer") == "1 erbjudande" and count("sv", 0, "offer") == "0 erbjudanden"
    assert count("sv", "1\u00a0234", "row") == "1\u00a0234 rader"  # as fmt.number wrote it
    assert count("en", "1", "error") == "1 error" and count("sv", 3, "error") == "3 fel"
    assert translate("sv", "search.offers", n=1) == "1 erbjudande"
    assert translate("sv", "search.results", n="21") == "21 produkter"
    assert translate("en", "checkout.place", n=1) == "Place order (1 order)"
    assert translate("sv", "checkout.place", n=2) == "Lägg beställning (2 ordrar)"


def test_every_counted_noun_exists_and_both_languages_count_the_same_values() -> None:
    for key, (sv, en) in MESSAGES.items():
        used_sv, used_en = set(_COUNT.findall(sv)), set(_COUNT.findall(en))
        assert used_sv == used_en, key
        assert all(noun in COUNT_NOUNS for _name, noun in used_sv), key


def test_search_results_count_products_and_retailers_in_swedish(
    env: UiEnv, client: TestClient
) -> None:
    html = client.get("/?q=munspegel").text
    assert re.findall(r"\d+ (?:handlare|produkt\w*)", html) == ["1 produkt", "2 handlare"]
    html = client.get("/handlare/nordisk-dentaldepa?lang=en").text
    assert "6 active offers" in html

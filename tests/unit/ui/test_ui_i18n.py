"""All UI text goes through ui.i18n: every key used by a template exists, in both languages."""

from __future__ import annotations

import re

from ranking.messages import render
from ui import templates_dir
from ui.i18n import MESSAGES, Formatter, translate
from ui.spec_labels import level_text, spec_text

LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z_]+)["']""")
PREFIXES = re.compile(r"""\bt\(\s*["']([a-z_]+\.)["']\s*~""")


def test_every_literal_key_in_the_templates_exists() -> None:
    used: set[str] = set()
    for path in templates_dir.rglob("*.html"):
        used.update(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    assert used, "templates use no keys?"
    missing = sorted(used - set(MESSAGES))
    assert not missing, missing


def test_every_dynamic_prefix_has_its_keys() -> None:
    prefixes: set[str] = set()
    for path in templates_dir.rglob("*.html"):
        prefixes.update(PREFIXES.findall(path.read_text(encoding="utf-8")))
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in MESSAGES), prefix
    for status in ("in_stock", "limited", "backorder", "out_of_stock", "unknown"):
        assert f"stock.{status}" in MESSAGES
    from indexer.records import CANONICAL_FIELDS
    from ranking.config import FACTORS

    assert all(f"field.{f}" in MESSAGES for f in CANONICAL_FIELDS)
    assert all(f"factor.{f}" in MESSAGES for f in FACTORS)


def test_both_languages_are_filled_and_placeholders_match() -> None:
    for key, (sv, en) in MESSAGES.items():
        assert sv.strip() and en.strip(), key
        assert set(re.findall(r"\{(\w+)\}", sv)) == set(re.findall(r"\{(\w+)\}", en)), key


def test_translate_and_format() -> None:
    assert translate("sv", "search.retailers", n=3) == "3 handlare"
    assert translate("en", "search.retailers", n=3) == "3 retailers"
    assert translate("en", "search.retailers", n=1) == "1 retailer"
    assert Formatter("sv").price("1234.5") == "1\u00a0234,50\u00a0kr"
    assert Formatter("en").price("1234.5") == "SEK\u00a01,234.50"
    assert Formatter("sv").share(0.92) == "92\u00a0%"


def test_explanations_write_shares_and_amounts_as_the_page_around_them() -> None:
    """A bar reads "i tid 92 % av 148 ordrar · vikt 24 %": one way of writing a share per
    language (the UI's ``Formatter``), and amounts grouped as its prices are."""
    sv = Formatter("sv")
    assert render("no_data_share", {"prior": 0.75}, "sv").endswith(" " + sv.share(0.75))
    relevance = render("text_relevance", {"percent": 87}, "sv")
    assert relevance == "textrelevans 87\u00a0% av bästa träffen"
    assert render("no_data_share", {"prior": 0.75}, "en") == "no data yet: prior 75%"
    price = {"gross": 12345.5, "offers": 3, "vat": "vat_included", "above": 1234.5}
    assert render("price_above_amount", price, "sv") == (
        "1\u00a0234,50 över det billigaste av 3 erbjudanden (12\u00a0345,50 inkl. moms)"
    )
    assert render("price_above_amount", price, "en") == (
        "1234.50 above the cheapest of 3 offers (12345.50 incl. VAT)"  # as the API wrote it
    )


def test_detail_sentences_are_localized() -> None:
    on_time = {"share": 0.92, "orders": 148, "promise": "promise_days", "promise_days": 1}
    assert render("on_time_share", on_time, "sv") == "i tid 92\u00a0% av 148 ordrar; lovar 1 dag"
    assert render("on_time_share", on_time, "en") == "on time 92% over 148 orders; promises 1 day"
    price = {"gross": 328.26, "offers": 3, "vat": "vat_unknown"}
    assert render("price_cheapest", price, "sv") == (
        "billigast av 3 erbjudanden (328,26, momsstatus okänd: räknat som inkl. moms)"
    )
    rated = {"stars": 4.9, "reviews": 14}
    assert render("reviews_rated", rated, "sv") == "betyg 4,9/5 av 14 omdömen"
    assert render("reviews_rated", rated, "en") == "rated 4.9/5 over 14 reviews"


def test_importer_spec_names_and_levels_are_shown_in_swedish() -> None:
    sv, en = spec_text("sv"), spec_text("en")
    assert (
        sv("Sterile") == "Steril"
        and sv("yes") == "ja"
        and sv("FDA product code") == ("FDA-produktkod")
    )
    # one of GUDID's MRISafetyStatus values (the FDA's words, not the manufacturer's): Swedish
    assert sv("Labeling does not contain MRI Safety Information") == (
        "Märkningen saknar uppgift om MR-säkerhet"
    )
    assert sv("Diameter 3.5 mm") == "Diameter 3.5 mm"  # a labeler's own size text: as written
    assert en("Sterile") == "Sterile" and sv(None) == ""
    assert level_text("sv")("package") == "förpackning"
    assert level_text("en")("unit_of_use") == "unit of use"
    assert level_text("sv")("new_level") == "new level"


def test_one_order_is_singular() -> None:
    assert translate("sv", "cart.split_note", n=1) == "Blir 1 order."
    assert translate("sv", "cart.split_note", n=2) == "Blir 2 ordrar, en per återförsäljare."

"""Swedish wherever a clinic looks (issue 13 item 17): the GMDN terms a GUDID import makes
categories, the importer's spec names, common values and units, in Swedish under sv."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.ui.conftest import log_in
from tests.unit.ui.ui_support import UiEnv
from ui.spec_labels import (
    _SPEC_NAMES_SV,
    _UNITS_SV,
    CATEGORIES_SV,
    category_name,
    load_gmdn_terms,
    spec_text,
    unit_text,
)

DEMO = Path(__file__).resolve().parents[3] / "data" / "demo" / "gudid_dental_demo.jsonl.gz"
# the specs whose values are GUDID's enumerations (yes/no, MRI safety status, sterilization
# method, latex labeling): every value must be Swedish. Others are the labeler's own text or
# numbers (a size "Diameter 3.5 mm", an FDA product code and its name, a count): as written.
ENUMERATED = {
    "Sterile",
    "Sterilize before use",
    "Sterilization method",
    "MRI safety",
    "Prescription (Rx)",
    "Over the counter",
    "Single use",
    "Kit",
    "Latex",
}


def demo_records() -> Iterator[dict[str, Any]]:
    with gzip.open(DEMO, "rt", encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def test_every_category_of_the_demo_catalog_has_a_swedish_name() -> None:
    categories = {r["category"] for r in demo_records() if r.get("category")}
    assert len(categories) > 250  # the demo catalog's dental GMDN terms
    missing = sorted(c for c in categories if c not in CATEGORIES_SV)
    assert missing == []
    assert all(CATEGORIES_SV[c] != c for c in categories)  # a name, not the English copied
    assert category_name("Dental mirror, reusable", "sv") == "Munspegel, flergångs"
    assert category_name("Dental mirror, reusable", "en") == "Dental mirror, reusable"
    # no GMDN term (a retailer's own, Swedish category): shown as written
    assert category_name("Handskar", "sv") == "Handskar" and category_name(None, "sv") == ""


def test_gmdn_codes_of_the_table_match_the_demo_catalog() -> None:
    codes = {t.term: t.code for t in load_gmdn_terms()}
    for record in demo_records():
        if record.get("category"):
            assert codes[record["category"]] == record["category_code"], record["category"]


def test_spec_names_common_values_and_units_of_the_demo_catalog_are_swedish() -> None:
    names: set[str] = set()
    values: set[str] = set()
    units: set[str] = set()
    for record in demo_records():
        for spec in record.get("specs", []):
            names.add(spec["name"])
            if spec.get("unit"):
                units.add(spec["unit"])
            if spec["name"] in ENUMERATED:
                values.add(spec["value"])
    assert len(values) > 10
    assert sorted(n for n in names if n not in _SPEC_NAMES_SV) == []
    assert sorted(v for v in values if v not in _SPEC_NAMES_SV) == []
    assert sorted(u for u in units if u not in _UNITS_SV) == []
    sv, en = spec_text("sv"), spec_text("en")
    assert sv("MR Conditional") == "MR-villkorad" and en("MR Conditional") == "MR Conditional"
    assert sv("Moist Heat or Steam Sterilization") == "Fuktig värme eller ånga"
    assert unit_text("sv")("Millimeter") == "mm" and unit_text("en")("Millimeter") == "Millimeter"


def test_a_malformed_table_row_is_an_error_naming_its_line(tmp_path: Path) -> None:
    table = tmp_path / "terms.tsv"
    table.write_text("code\tterm\tsv\n1\tMirror\tSpegel\n2\tProbe\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3"):
        load_gmdn_terms(table)
    table.write_text("1\tMirror\tSpegel\n2\tMirror\tSpegel igen\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: 2 'Mirror' is listed twice"):
        load_gmdn_terms(table)


def test_product_and_search_pages_show_the_category_and_specs_in_swedish(
    env: UiEnv, client: TestClient
) -> None:
    pid = env.products["Munspegel plan storlek 4"]
    html = client.get(f"/produkt/{pid}").text
    assert "Munspegel, flergångs" in html and "Dental mirror" not in html
    for swedish in ("MR-villkorad", "Fuktig värme eller ånga", "Längd", "12 mm", "Steril"):
        assert swedish in html
    assert "MR Conditional" not in html and "Millimeter" not in html

    english = client.get(f"/produkt/{pid}?lang=en").text
    assert "Dental mirror, reusable" in english and "MR Conditional" in english

    hits = client.get("/?q=munspegel&lang=sv").text
    assert "Munspegel, flergångs" in hits  # the hit's category and the category facet
    assert "category=Dental+mirror%2C+reusable" in hits  # ... which still filters by the term


def test_retailer_statistics_name_product_groups_in_swedish(env: UiEnv) -> None:
    clinic = log_in(TestClient(env.app, follow_redirects=False), "clinic")
    clinic.get(f"/produkt/{env.products['Munspegel plan storlek 4']}")
    env.app.state.demand_recorder.flush()
    retailer = log_in(TestClient(env.app, follow_redirects=False), "retailer")
    html = retailer.get("/portal/statistik?dagar=7").text
    assert "Munspegel, flergångs" in html and "Dental mirror" not in html

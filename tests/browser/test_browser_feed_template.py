"""A retailer downloads the feed template in the portal, reads the field guide, fills the
template in and uploads it: the file is read with no mapping step (issue 13, item 15)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from indexer.feed_template import template_columns
from tests.browser.test_browser_flows import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_retailer_fills_in_the_template_and_uploads_it_with_no_mapping(
    live: Any, page: Any, tmp_path: Path
) -> None:
    base = live.url
    log_in(page, base, "retailer")
    page.wait_for_url(re.compile(r"/portal$"))

    page.get_by_role("link", name="Fältguide: vad varje kolumn betyder").click()
    page.wait_for_url(re.compile(r"/portal/faltguide$"))
    guide = page.locator("table.field-guide")
    assert guide.locator("tbody tr").count() == len(template_columns())
    warranty = guide.locator("#falt-warranty").inner_text()
    assert "Garanti" in warranty and "inte tillverkarens" in warranty
    assert page.locator("#falt-sku .req").text_content() == "ja"
    page.get_by_role("link", name=re.compile("Till portalen")).click()
    page.wait_for_url(re.compile(r"/portal$"))

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Ladda ner mallen (CSV, semikolon)").click()
    csv_path = tmp_path / "mall.csv"
    csv_download.value.save_as(str(csv_path))
    header = csv_path.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.split(";") == [c.header for c in template_columns()]

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Ladda ner mallen (Excel)").click()
    assert xlsx_download.value.suggested_filename == "valbar-flodesmall.xlsx"
    filled = tmp_path / "min-prislista.xlsx"
    xlsx_download.value.save_as(str(filled))
    book = load_workbook(filled)
    sheet = book["Produkter"]
    headers = [c.value for c in sheet[1]]
    assert "Hjälp" in book.sheetnames
    sheet.delete_rows(2)  # the example row goes, our products come in
    for i in range(3):
        row = {
            "Artikelnummer": f"MALL-{i}",
            "Benämning": f"Spegelhandtag {i}",
            "Pris inkl. moms": f"{120 + i},00",
            "Lagerstatus": "I lager",
            "Lagersaldo": str(10 + i),
            "Garanti": "1 år",
        }
        sheet.append([row.get(h, "") for h in headers])
    book.save(filled)

    page.set_input_files("#file", str(filled))
    page.get_by_label(re.compile("Endast ändringar")).check()
    page.get_by_role("button", name="Förhandsgranska").click()
    page.wait_for_selector("#preview-counts")
    assert "3 rader, 3 giltiga, 0 avvisade" in page.locator("#preview-counts").inner_text()
    notice = page.locator("#preview-recognised").inner_text()
    assert notice == "Alla kolumner kändes igen: ingen kolumnmappning behövs."
    assert not page.locator("#map_sku").is_visible()  # no mapping step
    assert "inkl. moms" in page.locator("#preview-price-vat").inner_text()
    submit = page.get_by_role("button", name="Skicka in flödet")
    assert submit.is_enabled()
    page.locator("summary", has_text="Visa kolumnerna").click()  # still there on request
    assert page.locator("#map_warranty").input_value() == "Garanti"

    submit.click()
    page.wait_for_url(re.compile(r"/portal/korningar/\d+"))
    page.locator("#run-status[data-status=succeeded]").wait_for(timeout=30_000)
    text = page.locator("#run-status").inner_text()
    assert "3 rader, 3 giltiga, 0 avvisade" in text and "nya 3" in text

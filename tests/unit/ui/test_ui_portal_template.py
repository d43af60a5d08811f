"""The portal's feed template and field guide (issue 13, item 15) and what its preview says:
no mapping step for a file filled in from the template, the price header's VAT, per field
what the run would clear, and XML/JSON rows named as items."""

from __future__ import annotations

import io
import json
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from indexer.feed_template import template_columns
from tests.unit.ui.ui_support import csrf_from, odd_feed_bytes

TOKEN = re.compile(r"/portal/uppladdning/([A-Za-z0-9_-]+)/granska")


def _upload(client: TestClient, name: str, data: bytes, lang: str = "", **form: str) -> str:
    token = csrf_from(client.get("/portal").text)
    response = client.post(
        "/portal/uppladdning" + (f"?lang={lang}" if lang else ""),
        data={"csrf_token": token, **form},
        files={"file": (name, data, "application/octet-stream")},
    )
    assert response.status_code == 200, response.text
    assert TOKEN.search(response.text)
    return response.text


def test_the_portal_offers_the_template_and_the_field_guide(as_retailer: TestClient) -> None:
    html = as_retailer.get("/portal").text
    box = html.split('id="feed-template"', 1)[1].split("</section>", 1)[0]
    assert 'href="/portal/mall.xlsx"' in box and 'href="/portal/mall.csv"' in box
    assert 'href="/portal/faltguide"' in box and "utan kolumnmappning" in box
    as_csv = as_retailer.get("/portal/mall.csv")
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    headers = [c.header for c in template_columns()]
    assert as_csv.content.decode("utf-8-sig").split("\r\n")[0] == ";".join(headers)
    as_xlsx = as_retailer.get("/portal/mall.xlsx")
    assert "attachment" in as_xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(as_xlsx.content))
    assert book.sheetnames == ["Produkter", "Hjälp"]


def test_the_field_guide_describes_every_column_in_swedish_and_english(
    as_retailer: TestClient,
) -> None:
    html = as_retailer.get("/portal/faltguide").text
    table = html.split('class="data field-guide"', 1)[1]
    for column in template_columns():
        assert f'id="falt-{column.field}"' in table and column.header in table
        assert column.description_sv in table
    row = table.split('id="falt-sku"', 1)[1].split("</tr>", 1)[0]
    assert '<span class="req">ja</span>' in row
    assert "Ta bort exempelraden" in html
    english = as_retailer.get("/portal/faltguide?lang=en").text
    assert "Field guide for product feeds" in english
    assert template_columns()[0].description_en in english


def test_a_file_filled_in_from_the_template_needs_no_mapping_step(
    as_retailer: TestClient,
) -> None:
    template = as_retailer.get("/portal/mall.xlsx").content
    untouched = _upload(as_retailer, "mall.xlsx", template)  # its example row left in
    assert "<td>mallens exempelrad; ta bort den</td>" in untouched
    assert "disabled" in untouched.split("Skicka in flödet")[0][-120:]
    book = load_workbook(io.BytesIO(template))
    book.worksheets[0]["A2"] = "EGEN-1"  # the example made the retailer's own
    filled = io.BytesIO()
    book.save(filled)
    html = _upload(as_retailer, "mall.xlsx", filled.getvalue())
    assert "Alla kolumner kändes igen: ingen kolumnmappning behövs." in html
    form = html.split('class="card"', 1)[1]
    assert form.index('<details class="mapping-step">') < form.index('id="map_sku"')
    assert "Priskolumnen ”Pris inkl. moms” anger priser inkl. moms." in html
    submit = html.split("Skicka in flödet")[0][-120:]
    assert "disabled" not in submit
    # a file that does need a column chosen keeps the mapping step open
    odd = _upload(as_retailer, "lager.csv", odd_feed_bytes())
    assert "ingen kolumnmappning behövs" not in odd and "mapping-step" not in odd


def test_the_preview_says_per_field_what_empty_cells_would_clear(
    as_retailer: TestClient,
) -> None:
    # NOR-0 is stored with its EAN and a delivery time of 1 day; this file's cells are empty
    data = (
        "Artikelnummer;Benämning;Nettopris exkl. moms;Lagerstatus;EAN;Leveranstid\n"
        "NOR-0;Nitrilhandske blå storlek M;100,00;I lager;;\n"
    ).encode()
    html = _upload(as_retailer, "tom.csv", data, delta="1")
    assert "Priskolumnen ”Nettopris exkl. moms” anger priser exkl. moms." in html
    clears = html.split('id="preview-clears"', 1)[1].split("</p>", 1)[0]
    assert "Tomma celler skulle rensa lagrade värden: Leveranstid 1, GTIN/EAN 1." in clears
    english = _upload(as_retailer, "tom.csv", data, lang="en", delta="1")
    assert "Empty cells would clear stored values: Delivery time 1, GTIN/EAN 1." in english
    assert "The price column “Nettopris exkl. moms” gives prices excluding VAT." in english
    kept = (
        "Artikelnummer;Benämning;Pris;Lagerstatus\nNOR-0;Nitrilhandske blå storlek M;100;I lager\n"
    ).encode()
    html = _upload(as_retailer, "kvar.csv", kept, lang="sv", delta="1")
    assert "Inga lagrade värden rensas." in html  # absent columns clear nothing
    assert "Priskolumnen ”Pris” säger inget om moms" in html


def test_json_rows_are_named_as_items_not_rows(as_retailer: TestClient) -> None:
    items = [
        {"Artikelnummer": "J-1", "Benämning": "Sond 1", "Pris": "10,00", "Lagerstatus": "I lager"},
        {"Artikelnummer": "J-2", "Benämning": "Sond 2", "Pris": "gratis", "Lagerstatus": "I lager"},
    ]
    html = _upload(as_retailer, "artiklar.json", json.dumps(items).encode())
    errors = html.split('class="data errors"', 1)[1].split("</table>", 1)[0]
    assert '<th scope="col">Artikel</th>' in errors and ">Rad<" not in errors
    assert "<td>artikel 2 (id J-2)</td>" in errors
    sample = html.split('id="sample-title"', 1)[1].split("</table>", 1)[0]
    assert "<td>artikel 1 (id J-1)</td>" in sample
    english = _upload(as_retailer, "artiklar.json", json.dumps(items).encode(), lang="en")
    assert "<td>item 2 (id J-2)</td>" in english
    # a CSV's rows stay rows
    rows = b"Artikelnummer;Benamning;Pris;Lagerstatus\nA;B;x;I lager\nC;D;1;I lager\n"
    csv_html = _upload(as_retailer, "lager.csv", rows, lang="sv")
    assert '<th scope="col">Rad</th>' in csv_html.split('class="data errors"', 1)[1]


def test_the_preview_says_which_rows_are_priced_excluding_vat(as_retailer: TestClient) -> None:
    """A template with "Pris inkl. moms" left empty on a row and "Pris exkl. moms" filled in:
    the preview says empty price cells are read from the column excluding VAT, and each
    sample row's price says whether it includes VAT (before, every price read the same and
    the page said only that the price column gives prices including VAT)."""
    data = (
        "Artikelnummer;Benämning;Pris inkl. moms;Pris exkl. moms;Lagerstatus\n"
        "EX-1;Sond 1;;80,00;I lager\n"
        "EX-2;Sond 2;125,00;100,00;I lager\n"
    ).encode()
    html = _upload(as_retailer, "exkl.csv", data, delta="1")
    vat = html.split('id="preview-price-vat">', 1)[1].split("</p>", 1)[0]
    assert vat == (
        "Priskolumnen ”Pris inkl. moms” anger priser inkl. moms. Rader där ”Pris inkl. moms” "
        "är tom får sitt pris ur ”Pris exkl. moms”, exkl. moms."
    )
    sample = html.split('id="sample-title"', 1)[1].split("</table>", 1)[0]
    first, second = re.findall(r'<td class="num">(.*?)</td>', sample)
    assert "80,00" in first and '<span class="vat">exkl. moms</span>' in first
    assert "125,00" in second and '<span class="vat">inkl. moms</span>' in second
    english = _upload(as_retailer, "exkl.csv", data, lang="en", delta="1")
    assert "Rows where “Pris inkl. moms” is empty take their price from “Pris exkl. moms”" in (
        english
    )


def test_a_json_file_nested_too_deeply_is_refused_on_the_preview_not_a_500(
    as_retailer: TestClient,
) -> None:
    token = csrf_from(as_retailer.get("/portal").text)
    response = as_retailer.post(
        "/portal/uppladdning",
        data={"csrf_token": token},
        files={"file": ("djup.json", b"[" * 100_000 + b"]" * 100_000, "application/json")},
    )
    assert response.status_code == 200
    assert (
        "djup.json: dokumentet är för djupt nästlat för att läsas (värden i värden omkring "
        "1\u00a0000 nivåer djupt); avvisas"
    ) in response.text

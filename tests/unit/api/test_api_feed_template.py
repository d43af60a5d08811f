"""The feed template over the API (issue 13, item 15) and what the feed preview says of VAT
and of the stored values a run would clear, per field."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from indexer.columns import ALIASES
from indexer.feed_template import template_columns
from tests.unit.api.test_api_support import ApiEnv, build_env, close_env, wait_for_run


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    built = build_env(Path(tmp_path_factory.mktemp("api_template")))
    yield built
    close_env(built)


def _upload(env: ApiEnv, name: str, data: bytes, **form: str | bool):  # type: ignore[no-untyped-def]
    params = {"dry_run": "true"} if form.pop("dry_run", False) else {}
    return env.client.post(
        "/api/v1/retailers/tandab/feeds",
        params=params,
        files={"file": (name, data, "application/octet-stream")},
        data={k: str(v).lower() if isinstance(v, bool) else v for k, v in form.items()},
        headers=env.headers("retailer_own"),
    )


def test_the_field_guide_lists_every_recognised_column(env: ApiEnv) -> None:
    response = env.client.get("/api/v1/feed-template")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(ALIASES) == len(body["data"])
    by_field = {c["field"]: c for c in body["data"]}
    assert by_field["sku"]["header"] == "Artikelnummer" and by_field["sku"]["required"] is True
    assert by_field["warranty"]["required"] is False
    assert by_field["warranty"]["description"]["en"].startswith("Warranty you give")
    assert "Art.nr" in by_field["sku"]["also_read"]


def test_the_template_downloads_as_csv_and_xlsx(env: ApiEnv) -> None:
    headers = [c.header for c in template_columns()]
    as_csv = env.client.get("/api/v1/feed-template.csv")
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert 'filename="valbar-flodesmall.csv"' in as_csv.headers["content-disposition"]
    assert as_csv.content.decode("utf-8-sig").split("\r\n")[0] == ";".join(headers)
    as_xlsx = env.client.get("/api/v1/feed-template.xlsx")
    assert as_xlsx.status_code == 200
    assert as_xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(as_xlsx.content))
    assert [c.value for c in book.worksheets[0][1]] == headers
    assert book.sheetnames[1] == "Hjälp"


def _filled(template: bytes) -> bytes:
    """The template workbook with the example row made the retailer's own (its SKU)."""
    book = load_workbook(io.BytesIO(template))
    book.worksheets[0]["A2"] = "EGEN-1"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_filled_template_uploads_with_no_mapping_and_the_preview_reads_vat(
    env: ApiEnv,
) -> None:
    template = env.client.get("/api/v1/feed-template.xlsx").content
    # as downloaded, its example row is refused: nothing to insert
    untouched = _upload(env, "mall.xlsx", template, dry_run=True).json()
    assert untouched["counts"]["valid"] == 0 and untouched["errors_count"] == 1
    assert untouched["errors"][0]["message"] == "the feed template's example row; delete it"
    data = _filled(template)
    preview = _upload(env, "mall.xlsx", data, dry_run=True)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["mapping"] == {c.field: c.header for c in template_columns()}
    # rows with an empty "Pris inkl. moms" are priced from "Pris exkl. moms"
    assert body["price_vat"] == {
        "header": "Pris inkl. moms",
        "vat_included": True,
        "excl_fallback": "Pris exkl. moms",
    }
    assert body["counts"]["valid"] == 1 and body["errors_count"] == 0
    run = wait_for_run(env, _upload(env, "mall.xlsx", data, delta=True).json()["id"])
    assert run["status"] == "succeeded", run["message"]


def test_the_preview_counts_per_field_what_empty_cells_would_clear(env: ApiEnv) -> None:
    full = (
        "Artikelnummer;Benämning;Nettopris exkl. moms;Lagerstatus;EAN;Garanti;Leveranstid\n"
        "CL-1;Sond 1;100,00;I lager;7312345678909;2 år;3\n"
        "CL-2;Sond 2;100,00;I lager;;1 år;2\n"
    ).encode()
    run = wait_for_run(env, _upload(env, "full.csv", full, delta=True).json()["id"])
    assert run["status"] == "succeeded", run["message"]
    emptied = (
        "Artikelnummer;Benämning;Nettopris exkl. moms;Lagerstatus;EAN;Garanti;Leveranstid\n"
        "CL-1;Sond 1;100,00;I lager;;;\n"
        "CL-2;Sond 2;100,00;I lager;;;2\n"
    ).encode()
    body = _upload(env, "tom.csv", emptied, delta=True, dry_run=True).json()
    assert body["price_vat"] == {
        "header": "Nettopris exkl. moms",
        "vat_included": False,
        "excl_fallback": None,
    }
    assert body["would_clear"] == {"delivery_days": 1, "gtin": 1, "warranty": 2}
    assert body["counts"]["would_clear"] == 4
